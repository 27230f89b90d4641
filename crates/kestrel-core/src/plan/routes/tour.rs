//! Visiting order for several places: nearest neighbour from the launch point, then 2-opt and
//! or-opt moves until no move shortens the closed tour (launch → places → launch).

/// The order to visit places `1..n` of a distance matrix whose index 0 is the launch point;
/// returns those indices (0 excluded). Distances may be asymmetric-free but must be finite.
pub fn order(d: &[Vec<f64>]) -> Vec<usize> {
    let n = d.len();
    if n <= 2 {
        return (1..n).collect();
    }
    // Nearest neighbour.
    let mut tour = vec![0usize];
    let mut left: Vec<usize> = (1..n).collect();
    while let Some((k, _)) = {
        let last = tour[tour.len() - 1];
        left.iter()
            .enumerate()
            .min_by(|a, b| d[last][*a.1].total_cmp(&d[last][*b.1]))
    } {
        tour.push(left.swap_remove(k));
    }
    tour.push(0);
    improve(&mut tour, d);
    tour[1..tour.len() - 1].to_vec()
}

/// Length of a closed tour given as a node list starting and ending at 0.
pub fn tour_length(tour: &[usize], d: &[Vec<f64>]) -> f64 {
    tour.windows(2).map(|w| d[w[0]][w[1]]).sum()
}

fn improve(tour: &mut [usize], d: &[Vec<f64>]) {
    let m = tour.len();
    let mut rounds = 0;
    loop {
        rounds += 1;
        let mut better = false;
        // 2-opt: reverse tour[i..=j].
        for i in 1..m - 2 {
            for j in i + 1..m - 1 {
                let (a, b, c, e) = (tour[i - 1], tour[i], tour[j], tour[j + 1]);
                let delta = d[a][c] + d[b][e] - d[a][b] - d[c][e];
                if delta < -1e-9 {
                    tour[i..=j].reverse();
                    better = true;
                }
            }
        }
        // Or-opt: move one node elsewhere.
        for i in 1..m - 1 {
            let (p, x, q) = (tour[i - 1], tour[i], tour[i + 1]);
            let gain = d[p][x] + d[x][q] - d[p][q];
            let mut best = (0.0, 0usize);
            for j in 0..m - 1 {
                if j == i || j + 1 == i {
                    continue;
                }
                let (a, b) = (tour[j], tour[j + 1]);
                let cost = d[a][x] + d[x][b] - d[a][b];
                if cost - gain < best.0 - 1e-9 {
                    best = (cost - gain, j);
                }
            }
            if best.0 < 0.0 {
                let node = tour[i];
                let j = best.1;
                if j < i {
                    tour[j + 1..=i].rotate_right(1);
                    tour[j + 1] = node;
                } else {
                    tour[i..=j].rotate_left(1);
                    tour[j] = node;
                }
                better = true;
            }
        }
        if !better || rounds > 100 {
            break;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn matrix(pts: &[(f64, f64)]) -> Vec<Vec<f64>> {
        pts.iter()
            .map(|a| pts.iter().map(|b| (a.0 - b.0).hypot(a.1 - b.1)).collect())
            .collect()
    }

    #[test]
    fn points_on_a_circle_are_visited_around_it() {
        // Home at the centre-left, 12 places on a circle, given in a scrambled order.
        let mut pts = vec![(-1000.0, 0.0)];
        let idx = [5, 0, 9, 3, 11, 7, 1, 10, 2, 8, 4, 6];
        for k in idx {
            let a = k as f64 * std::f64::consts::TAU / 12.0;
            pts.push((a.cos() * 500.0, a.sin() * 500.0));
        }
        let d = matrix(&pts);
        let ord = order(&d);
        let mut closed = vec![0];
        closed.extend(&ord);
        closed.push(0);
        let len = tour_length(&closed, &d);
        // Optimal: out to the nearest place (500 m), around the circle (11 chords), back from
        // the place next to it.
        let chord = 2.0 * 500.0 * (std::f64::consts::PI / 12.0).sin();
        let a = 150f64.to_radians();
        let back = (a.cos() * 500.0 + 1000.0).hypot(a.sin() * 500.0);
        let optimal = 500.0 + 11.0 * chord + back;
        assert!(len <= optimal * 1.02, "{len} vs {optimal}");
        let mut sorted = ord.clone();
        sorted.sort();
        assert_eq!(sorted, (1..13).collect::<Vec<_>>());
    }

    #[test]
    fn small_inputs() {
        assert!(order(&matrix(&[(0.0, 0.0)])).is_empty());
        assert_eq!(order(&matrix(&[(0.0, 0.0), (1.0, 1.0)])), vec![1]);
    }
}
