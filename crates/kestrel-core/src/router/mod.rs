//! MAVLink routing between a station's links, so that one aircraft can be shared by several
//! ground stations (the crew's seats, MAVProxy, a pymavlink script): what a link hears is
//! carried on to the others, and their traffic back to the aircraft, following the MAVLink
//! routing rules (<https://mavlink.io/en/guide/routing.html>):
//!
//! - every system id heard on a link is learned as reachable over it;
//! - a broadcast (no target, or target system 0) goes to every other link — but an aircraft's
//!   broadcasts are not sent to the other aircraft links (as MAVROS' router: FCU broadcasts go to
//!   ground stations, not to other FCUs);
//! - an addressed frame goes only to the link its target was last heard on, never back where it
//!   came from, and nowhere if the target is unknown or is this station;
//! - a frame is carried at most once: a copy that comes back within [`DEDUP_WINDOW`] (two
//!   routers pointing at each other, a duplicating radio) is dropped, and so are this station's
//!   own frames coming back. Copies do not teach routes, so a loop cannot steal an aircraft's
//!   route.
//!
//! Frames are forwarded as received, signature included. Nothing here does I/O: the station asks
//! [`Router::route`] for every frame and sends where it says.

use std::collections::{HashMap, HashSet};
use std::hash::{Hash, Hasher};
use std::time::{Duration, Instant};

use crate::link::{Hop, LinkId, LinkRole, PeerTag};

/// How long a frame is remembered to recognise its copies. Well under the time a component
/// takes to wrap its 8-bit sequence at any telemetry rate (256 frames), well over a loop's
/// round trip.
pub const DEDUP_WINDOW: Duration = Duration::from_millis(500);

/// What the router knows of one link when routing.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RouteLink {
    /// The link.
    pub id: LinkId,
    /// Aircraft side or forwarding endpoint.
    pub role: LinkRole,
    /// Whether several remote stations may share it (a UDP or TCP server), so a frame may be
    /// carried back onto it to the other peers.
    pub multi_peer: bool,
}

/// One frame as the router sees it.
#[derive(Debug, Clone, Copy)]
pub struct FrameInfo<'a> {
    /// Sender system id.
    pub source: u8,
    /// `(target system, target component)` when the message is addressed.
    pub target: Option<(u8, u8)>,
    /// The exact bytes.
    pub bytes: &'a [u8],
}

/// Why a frame is not delivered.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Dropped {
    /// A copy of a frame already received over the same path or a forwarding link.
    Duplicate,
    /// This station's own frame, come back over a loop.
    Echo,
}

/// What to do with a frame.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Verdict {
    /// Drop it entirely.
    Drop(Dropped),
    /// Hand it to this station (fleet, protocols) and forward it on these links; `skip_peer` is
    /// the sender's peer when forwarding onto the link it came from.
    Deliver {
        /// Links to forward on, each with the peer to skip.
        forward: Vec<(LinkId, Option<PeerTag>)>,
    },
    /// A copy of a frame first heard on another aircraft link (redundant radios): the station
    /// counts it for that link's quality, but it is not forwarded again.
    LocalOnly,
}

/// Remembers frames for [`DEDUP_WINDOW`] in two generations (cheap: a set insert per frame).
#[derive(Debug)]
struct Seen {
    current: HashMap<u64, LinkId>,
    previous: HashMap<u64, LinkId>,
    rotated: Instant,
}

impl Seen {
    fn new(now: Instant) -> Self {
        Self {
            current: HashMap::new(),
            previous: HashMap::new(),
            rotated: now,
        }
    }

    /// Records `hash` as heard on `link`; returns the link it was first heard on if it is a copy.
    fn check(&mut self, hash: u64, link: LinkId, now: Instant) -> Option<LinkId> {
        let age = now.duration_since(self.rotated);
        if age >= DEDUP_WINDOW * 2 {
            self.current.clear();
            self.previous.clear();
            self.rotated = now;
        } else if age >= DEDUP_WINDOW {
            self.previous = std::mem::take(&mut self.current);
            self.rotated = now;
        }
        if let Some(first) = self.current.get(&hash).or_else(|| self.previous.get(&hash)) {
            return Some(*first);
        }
        self.current.insert(hash, link);
        None
    }
}

/// Counts of what the router did, for `kestrel router status` and the connections panel.
#[derive(Debug, Clone, Default, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct RouterCounts {
    /// Frames routed (delivered and/or forwarded).
    pub routed: u64,
    /// Copies dropped.
    pub duplicates: u64,
    /// Own frames come back, dropped.
    pub echoes: u64,
    /// Addressed frames whose target was never heard (not forwarded, as the spec says).
    pub unknown_target: u64,
}

/// The routing table and the memory of recent frames of one station.
#[derive(Debug)]
pub struct Router {
    own: u8,
    routes: HashMap<u8, (LinkId, Instant)>,
    ground_stations: HashSet<u8>,
    seen: Seen,
    counts: RouterCounts,
}

fn frame_hash(bytes: &[u8]) -> u64 {
    let mut h = std::collections::hash_map::DefaultHasher::new();
    bytes.hash(&mut h);
    h.finish()
}

impl Router {
    /// A router for a station whose own system id is `own`.
    pub fn new(own: u8, now: Instant) -> Self {
        Self {
            own,
            routes: HashMap::new(),
            ground_stations: HashSet::new(),
            seen: Seen::new(now),
            counts: RouterCounts::default(),
        }
    }

    /// Decides what happens to a frame that arrived over `hop`, given the station's links.
    pub fn route(
        &mut self,
        hop: Hop,
        frame: FrameInfo<'_>,
        links: &[RouteLink],
        now: Instant,
    ) -> Verdict {
        if frame.source == self.own {
            self.counts.echoes += 1;
            return Verdict::Drop(Dropped::Echo);
        }
        let role_of = |id: LinkId| links.iter().find(|l| l.id == id).map(|l| l.role);
        let from_role = role_of(hop.link).unwrap_or_default();
        if let Some(first) = self.seen.check(frame_hash(frame.bytes), hop.link, now) {
            let redundant = first != hop.link
                && from_role == LinkRole::Aircraft
                && role_of(first) == Some(LinkRole::Aircraft);
            if redundant {
                return Verdict::LocalOnly;
            }
            self.counts.duplicates += 1;
            return Verdict::Drop(Dropped::Duplicate);
        }
        if frame.source != 0 {
            self.routes.insert(frame.source, (hop.link, now));
            if from_role == LinkRole::Forward {
                self.ground_stations.insert(frame.source);
            }
        }
        self.counts.routed += 1;
        let target = frame.target.map(|(s, _)| s).filter(|s| *s != 0);
        let forward = match target {
            None => links
                .iter()
                .filter(|l| {
                    !(from_role == LinkRole::Aircraft && l.role == LinkRole::Aircraft)
                        && (l.id != hop.link || l.multi_peer)
                })
                .map(|l| (l.id, (l.id == hop.link).then_some(hop.peer)))
                .collect(),
            Some(t) if t == self.own => Vec::new(),
            Some(t) => match self.routes.get(&t) {
                Some((link, _)) if *link != hop.link => vec![(*link, None)],
                Some((link, _)) if links.iter().any(|l| l.id == *link && l.multi_peer) => {
                    vec![(*link, Some(hop.peer))]
                }
                Some(_) => Vec::new(),
                None => {
                    self.counts.unknown_target += 1;
                    Vec::new()
                }
            },
        };
        Verdict::Deliver { forward }
    }

    /// The link a system was last heard on.
    pub fn route_to(&self, sysid: u8) -> Option<LinkId> {
        self.routes.get(&sysid).map(|(l, _)| *l)
    }

    /// Other ground stations heard over forwarding links, by system id.
    pub fn ground_stations(&self) -> Vec<u8> {
        let mut v: Vec<u8> = self.ground_stations.iter().copied().collect();
        v.sort_unstable();
        v
    }

    /// What the router has done so far.
    pub fn counts(&self) -> RouterCounts {
        self.counts.clone()
    }

    /// Forgets the routes over a link that was closed.
    pub fn forget_link(&mut self, link: LinkId) {
        self.routes.retain(|_, (l, _)| *l != link);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const AIRCRAFT: LinkId = LinkId(0);
    const SEATS: LinkId = LinkId(1);
    const OTHER: LinkId = LinkId(2);

    fn links() -> Vec<RouteLink> {
        vec![
            RouteLink {
                id: AIRCRAFT,
                role: LinkRole::Aircraft,
                multi_peer: true,
            },
            RouteLink {
                id: SEATS,
                role: LinkRole::Forward,
                multi_peer: true,
            },
            RouteLink {
                id: OTHER,
                role: LinkRole::Forward,
                multi_peer: false,
            },
        ]
    }

    fn hop(link: LinkId, peer: PeerTag) -> Hop {
        Hop { link, peer }
    }

    fn frame(source: u8, target: Option<(u8, u8)>, bytes: &[u8]) -> FrameInfo<'_> {
        FrameInfo {
            source,
            target,
            bytes,
        }
    }

    fn forwards(v: &Verdict) -> Vec<(LinkId, Option<PeerTag>)> {
        match v {
            Verdict::Deliver { forward } => {
                let mut f = forward.clone();
                f.sort();
                f
            }
            other => panic!("not delivered: {other:?}"),
        }
    }

    #[test]
    fn broadcasts_reach_every_ground_station_link_but_not_other_aircraft_links() {
        let now = Instant::now();
        let mut r = Router::new(255, now);
        let mut l = links();
        l.push(RouteLink {
            id: LinkId(3),
            role: LinkRole::Aircraft,
            multi_peer: false,
        });
        let v = r.route(hop(AIRCRAFT, 7), frame(1, None, b"hb1"), &l, now);
        assert_eq!(forwards(&v), vec![(SEATS, None), (OTHER, None)]);
        // A seat's broadcast goes to the aircraft, to the other seats on its own server (not
        // back to itself) and to the other endpoint.
        let v = r.route(hop(SEATS, 9), frame(252, None, b"hb252"), &l, now);
        assert_eq!(
            forwards(&v),
            vec![
                (AIRCRAFT, None),
                (SEATS, Some(9)),
                (OTHER, None),
                (LinkId(3), None)
            ]
        );
    }

    #[test]
    fn addressed_frames_follow_the_learned_route_and_unknown_targets_go_nowhere() {
        let now = Instant::now();
        let mut r = Router::new(255, now);
        let l = links();
        r.route(hop(AIRCRAFT, 7), frame(1, None, b"hb1"), &l, now);
        r.route(hop(OTHER, 0), frame(250, None, b"hb250"), &l, now);
        // The payload seat's command to aircraft 1 goes to the aircraft link only.
        let v = r.route(hop(SEATS, 9), frame(252, Some((1, 1)), b"cmd"), &l, now);
        assert_eq!(forwards(&v), vec![(AIRCRAFT, None)]);
        // The aircraft's answer to the seat goes back to the seats' link only.
        let v = r.route(
            hop(AIRCRAFT, 7),
            frame(1, Some((252, 190)), b"ack"),
            &l,
            now,
        );
        assert_eq!(forwards(&v), vec![(SEATS, None)]);
        // Nobody has heard system 77, and frames for this station stay here.
        let v = r.route(hop(SEATS, 9), frame(252, Some((77, 1)), b"lost"), &l, now);
        assert_eq!(forwards(&v), vec![]);
        assert_eq!(r.counts().unknown_target, 1);
        let v = r.route(hop(SEATS, 9), frame(252, Some((255, 0)), b"mine"), &l, now);
        assert_eq!(forwards(&v), vec![]);
        assert_eq!(r.ground_stations(), vec![250, 252]);
    }

    #[test]
    fn copies_and_echoes_are_dropped_and_teach_no_route() {
        let now = Instant::now();
        let mut r = Router::new(255, now);
        let l = links();
        r.route(hop(AIRCRAFT, 7), frame(1, None, b"pos#1"), &l, now);
        // The same frame back over the loop to another router.
        let v = r.route(hop(OTHER, 0), frame(1, None, b"pos#1"), &l, now);
        assert_eq!(v, Verdict::Drop(Dropped::Duplicate));
        assert_eq!(r.route_to(1), Some(AIRCRAFT));
        let v = r.route(hop(OTHER, 0), frame(255, None, b"my hb"), &l, now);
        assert_eq!(v, Verdict::Drop(Dropped::Echo));
        // After the window the same bytes are a new frame (the sequence has wrapped).
        let later = now + DEDUP_WINDOW * 3;
        let v = r.route(hop(AIRCRAFT, 7), frame(1, None, b"pos#1"), &l, later);
        assert!(matches!(v, Verdict::Deliver { .. }));
        let c = r.counts();
        assert_eq!((c.duplicates, c.echoes, c.routed), (1, 1, 2));
    }

    #[test]
    fn a_copy_from_a_redundant_aircraft_link_is_kept_locally_but_not_forwarded_again() {
        let now = Instant::now();
        let mut r = Router::new(255, now);
        let mut l = links();
        l.push(RouteLink {
            id: LinkId(3),
            role: LinkRole::Aircraft,
            multi_peer: false,
        });
        r.route(hop(AIRCRAFT, 7), frame(1, None, b"att"), &l, now);
        let v = r.route(hop(LinkId(3), 0), frame(1, None, b"att"), &l, now);
        assert_eq!(v, Verdict::LocalOnly);
    }
}
