//! Planning benchmarks (placeholder while the planner is written).
fn main() {}
