//! Where a picture's labels go: each label takes a box, and an arrow's label takes the
//! first place along its arrow whose box meets no label already placed, so that labels
//! do not cover each other where a run is dense.

/// Width of one character of the pictures' 11 px labels, an estimate (no font metrics in a
/// page built without a browser; wide enough for the common sans fonts).
const CHAR: f64 = 6.4;

/// Height of a label's box, from its baseline up and a little below.
const ABOVE: f64 = 10.0;
const BELOW: f64 = 3.0;

/// How a label is anchored at its x (SVG's `text-anchor`).
#[derive(Clone, Copy)]
pub(super) enum Anchor {
    Start,
    Middle,
}

/// The boxes of the labels placed so far, in placing order.
#[derive(Default)]
pub(super) struct Labels {
    /// Invariant: each is `[left, top, right, bottom]` with left <= right, top <= bottom.
    taken: Vec<[f64; 4]>,
}

impl Labels {
    fn bounds(x: f64, baseline: f64, text: &str, anchor: Anchor) -> [f64; 4] {
        let w = text.chars().count() as f64 * CHAR;
        let left = match anchor {
            Anchor::Start => x,
            Anchor::Middle => x - w / 2.0,
        };
        [left, baseline - ABOVE, left + w, baseline + BELOW]
    }

    fn free(&self, b: &[f64; 4]) -> bool {
        !self
            .taken
            .iter()
            .any(|t| b[0] < t[2] && t[0] < b[2] && b[1] < t[3] && t[1] < b[3])
    }

    /// Takes the box of `text` at (`x`, `baseline`), wherever it is.
    pub(super) fn take(&mut self, x: f64, baseline: f64, text: &str, anchor: Anchor) {
        self.taken.push(Self::bounds(x, baseline, text, anchor));
    }

    /// Takes a box `w` by `h` at its top left (an Atomics box).
    pub(super) fn take_box(&mut self, left: f64, top: f64, w: f64, h: f64) {
        self.taken.push([left, top, left + w, top + h]);
    }

    /// The place along the segment from `a` to `b` for `text` (centred, its baseline 4 px
    /// above the line): the first of `preferred` and then other fractions of the way whose
    /// box is free, or `preferred` if none is. Takes that box.
    pub(super) fn along(
        &mut self,
        a: (f64, f64),
        b: (f64, f64),
        preferred: f64,
        text: &str,
    ) -> (f64, f64) {
        let at = |t: f64| (a.0 + (b.0 - a.0) * t, a.1 + (b.1 - a.1) * t - 4.0);
        let choice = std::iter::once(preferred)
            .chain([0.5, 0.25, 0.65, 0.8, 0.15, 0.9, 0.42, 0.58])
            .map(at)
            .find(|&(x, y)| self.free(&Self::bounds(x, y, text, Anchor::Middle)))
            .unwrap_or_else(|| at(preferred));
        self.take(choice.0, choice.1, text, Anchor::Middle);
        choice
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_arrow_label_moves_off_a_label_in_its_way_and_stays_when_free() {
        let mut labels = Labels::default();
        // Free: the preferred place.
        let first = labels.along((0.0, 0.0), (200.0, 100.0), 0.5, "msg#1");
        assert_eq!(first, (100.0, 46.0));
        // The same arrow again: its preferred place is taken now, so it moves.
        let second = labels.along((0.0, 0.0), (200.0, 100.0), 0.5, "msg#1");
        assert_ne!(second, first);
        // A long label across the way from x = 0 at the second's height pushes a third on.
        labels.take(
            0.0,
            second.1,
            "a long label across the whole way",
            Anchor::Start,
        );
        let third = labels.along((0.0, 0.0), (200.0, 100.0), 0.5, "msg#1");
        assert!(third != first && third != second);
    }
}
