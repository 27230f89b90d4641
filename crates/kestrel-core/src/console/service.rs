//! What a console service is: a feature of the console's core (links, alerts, video, …) with its
//! own intents in, events out and a view it publishes, run by the core loop through
//! [`super::services`]. A new feature is a new service: its own module with a type implementing
//! [`Service`], and one line in `services.rs`.

use std::future::Future;

use crate::fleet::FleetSnapshot;

use super::{ConsoleConfig, ConsoleError, Core};

/// One feature of the console's core. The core loop owns every service: it hands each its
/// intents in the order the window sent them, asks each for its view at every publication, and
/// shuts them down in order. Nothing here may wait on I/O for long: a service that has slow
/// work spawns it on the runtime and answers with an event when it is done.
pub trait Service: Sized + 'static {
    /// What the window asks of this service.
    type Intent: std::fmt::Debug + Send + 'static;
    /// What this service tells the window (answers to intents, things that happened).
    type Event: std::fmt::Debug + Clone + Send + 'static;
    /// What this service publishes for the window to draw (cheap to clone: shared pointers).
    type View: std::fmt::Debug + Clone + Default + PartialEq + Send + Sync + 'static;

    /// Starts the service inside the core's runtime, once the station is up.
    fn start(
        core: &Core,
        config: &ConsoleConfig,
    ) -> impl Future<Output = Result<Self, ConsoleError>>;

    /// Does what the window asked.
    fn handle(&mut self, intent: Self::Intent) -> impl Future<Output = ()>;

    /// Called about fifty times a second: forward what arrived since (e.g. stream events).
    fn poll(&mut self) {}

    /// The service's view as of `fleet`, the snapshot being published.
    fn publish(&mut self, fleet: &FleetSnapshot) -> Self::View;

    /// Stops background work cleanly (files closed, workers joined) before the core exits.
    fn shutdown(&mut self) -> impl Future<Output = ()> {
        async {}
    }
}

/// Declares the console's services in one list and generates from it what joins them to the
/// window: [`Intent`](super::Intent) and [`Event`](super::Event) with one variant per service
/// (and `From` conversions from each service's own types), [`ConsoleView`](super::ConsoleView)
/// with one field per service, and the core's `Services`, which starts them, routes intents,
/// gathers views and shuts them down — all in the order of the list.
macro_rules! console_services {
    ($( $(#[$doc:meta])* $variant:ident($field:ident): $service:ty, )+) => {
        /// What the window asks the core to do: one variant per service, carrying that service's
        /// own intent type (every one converts with `into()`), and `Shutdown`.
        #[derive(Debug)]
        pub enum Intent {
            $( $(#[$doc])* $variant(<$service as $crate::console::Service>::Intent), )+
            /// Stop the core (the window is closing).
            Shutdown,
        }

        $(
            impl From<<$service as $crate::console::Service>::Intent> for Intent {
                fn from(i: <$service as $crate::console::Service>::Intent) -> Self {
                    Intent::$variant(i)
                }
            }
        )+

        /// What the core tells the window: one variant per service, carrying that service's own
        /// event type.
        #[derive(Debug, Clone)]
        pub enum Event {
            $( $(#[$doc])* $variant(<$service as $crate::console::Service>::Event), )+
        }

        $(
            impl From<<$service as $crate::console::Service>::Event> for Event {
                fn from(e: <$service as $crate::console::Service>::Event) -> Self {
                    Event::$variant(e)
                }
            }
        )+

        /// Everything the window draws from, as of one instant: the fleet, the callsigns, and
        /// one part per service. Cheap to clone (shared pointers).
        #[derive(Debug, Clone, Default, PartialEq)]
        pub struct ConsoleView {
            /// Increases with every publication.
            pub seq: u64,
            /// The fleet.
            pub fleet: $crate::fleet::FleetSnapshot,
            /// Callsign of each aircraft that has one (set in the settings, else from the crew
            /// registry); the window names the others itself.
            pub callsigns: std::sync::Arc<std::collections::BTreeMap<u8, String>>,
            /// Number of simulated aircraft when running the demo.
            pub demo: Option<usize>,
            $( $(#[$doc])* pub $field: <$service as $crate::console::Service>::View, )+
        }

        /// Every service of the core, in the order of the list.
        pub(crate) struct Services {
            $( $field: $service, )+
        }

        impl Services {
            /// Starts every service, in order.
            pub(crate) async fn start(
                core: &$crate::console::Core,
                config: &$crate::console::ConsoleConfig,
            ) -> Result<Self, $crate::console::ConsoleError> {
                Ok(Self {
                    $( $field: <$service as $crate::console::Service>::start(core, config).await?, )+
                })
            }

            /// Hands an intent to its service (`Shutdown` is the core loop's own).
            pub(crate) async fn handle(&mut self, intent: Intent) {
                use $crate::console::Service as _;
                match intent {
                    $( Intent::$variant(i) => self.$field.handle(i).await, )+
                    Intent::Shutdown => {}
                }
            }

            /// Lets every service forward what arrived.
            pub(crate) fn poll(&mut self) {
                use $crate::console::Service as _;
                $( self.$field.poll(); )+
            }

            /// The view of every service as of `fleet`, in a new [`ConsoleView`].
            pub(crate) fn publish(&mut self, fleet: $crate::fleet::FleetSnapshot) -> ConsoleView {
                use $crate::console::Service as _;
                ConsoleView {
                    $( $field: self.$field.publish(&fleet), )+
                    fleet,
                    ..Default::default()
                }
            }

            /// Stops every service, in order.
            pub(crate) async fn shutdown(&mut self) {
                use $crate::console::Service as _;
                $( self.$field.shutdown().await; )+
            }
        }
    };
}

pub(crate) use console_services;
