//! Callsigns, resolved once in the core for everybody (the window, file names of recordings,
//! sightings, fleet reports to dispatch): the one set in the settings wins, else the aircraft's
//! label from the crew registry (its team's name, else its registered callsign).

use std::collections::BTreeMap;
use std::sync::{Arc, Mutex};

use super::published::lock;

/// The callsigns of the fleet. Cheap to clone; every clone sees the same names.
#[derive(Clone, Default)]
pub struct Callsigns(Arc<Mutex<Names>>);

#[derive(Default)]
struct Names {
    configured: BTreeMap<u8, String>,
    registry: BTreeMap<u8, String>,
    resolved: Arc<BTreeMap<u8, String>>,
}

impl Names {
    fn resolve(&mut self) {
        let mut all = self.registry.clone();
        for (sysid, name) in &self.configured {
            if !name.trim().is_empty() {
                all.insert(*sysid, name.clone());
            }
        }
        self.resolved = Arc::new(all);
    }
}

impl Callsigns {
    /// Callsigns with those of the settings.
    pub fn new(configured: BTreeMap<u8, String>) -> Self {
        let c = Self::default();
        c.set_configured(configured);
        c
    }

    /// The settings' callsigns changed.
    pub fn set_configured(&self, configured: BTreeMap<u8, String>) {
        let mut names = lock(&self.0);
        names.configured = configured;
        names.resolve();
    }

    /// The crew registry's labels changed.
    pub fn set_registry(&self, registry: BTreeMap<u8, String>) {
        let mut names = lock(&self.0);
        if names.registry != registry {
            names.registry = registry;
            names.resolve();
        }
    }

    /// Every aircraft's callsign that is known.
    pub fn resolved(&self) -> Arc<BTreeMap<u8, String>> {
        lock(&self.0).resolved.clone()
    }

    /// One aircraft's callsign, if it has one.
    pub fn get(&self, sysid: u8) -> Option<String> {
        lock(&self.0).resolved.get(&sysid).cloned()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_callsign_set_in_the_settings_wins_over_the_registry_and_blank_ones_do_not() {
        let c = Callsigns::new(BTreeMap::from([(1, "Falcon".into()), (2, "  ".into())]));
        c.set_registry(BTreeMap::from([(1, "Team A".into()), (2, "Team B".into())]));
        assert_eq!(c.get(1).as_deref(), Some("Falcon"));
        assert_eq!(c.get(2).as_deref(), Some("Team B"));
        assert_eq!(c.get(3), None);
        c.set_configured(BTreeMap::new());
        assert_eq!(c.get(1).as_deref(), Some("Team A"));
    }
}
