//! Which version of a rule set is in force on a date. Versions are kept
//! sorted by start date, so resolving is a binary search, not a scan; the
//! half-open convention (`from` inclusive, `until` exclusive) is applied in
//! exactly one place, `Index::resolve`. Not here: what a version decides.

use chrono::NaiveDate;

/// The sorted start and end dates of a rule set's versions.
#[derive(Debug, Clone, Default)]
pub struct Index {
    /// (from, until) by ascending `from`; position = version position.
    spans: Vec<(NaiveDate, Option<NaiveDate>)>,
}

/// Where a date falls among a rule set's versions.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Position {
    /// Inside version `i`.
    In(usize),
    /// Before the first version.
    Before,
    /// After version `i` ended, before version `i + 1` (if any) starts.
    After(usize),
}

impl Index {
    /// Builds the index from (from, until) pairs already sorted by `from`.
    pub fn new(spans: Vec<(NaiveDate, Option<NaiveDate>)>) -> Self {
        Index { spans }
    }

    pub fn resolve(&self, date: NaiveDate) -> Position {
        // The last version starting on or before the date is the only one
        // that can contain it, given versions do not overlap.
        let starts_before = self.spans.partition_point(|(from, _)| *from <= date);
        let Some(i) = starts_before.checked_sub(1) else {
            return Position::Before;
        };
        match self.spans.get(i) {
            Some((_, until)) if until.is_none_or(|u| date < u) => Position::In(i),
            _ => Position::After(i),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn d(s: &str) -> NaiveDate {
        s.parse().unwrap()
    }

    fn kz() -> Index {
        Index::new(vec![
            (d("1992-09-29"), Some(d("2001-07-26"))),
            (d("2001-07-26"), Some(d("2012-03-28"))),
            (d("2012-03-28"), None),
        ])
    }

    #[test]
    fn the_day_before_a_boundary_belongs_to_the_earlier_version_and_the_day_of_to_the_later() {
        assert_eq!(kz().resolve(d("2001-07-25")), Position::In(0));
        assert_eq!(kz().resolve(d("2001-07-26")), Position::In(1));
        assert_eq!(kz().resolve(d("2012-03-27")), Position::In(1));
        assert_eq!(kz().resolve(d("2012-03-28")), Position::In(2));
    }

    #[test]
    fn a_date_before_the_first_version_is_before() {
        assert_eq!(kz().resolve(d("1992-09-28")), Position::Before);
    }

    #[test]
    fn a_date_in_a_gap_or_after_the_end_is_after_the_last_version_that_started() {
        let idx = Index::new(vec![
            (d("2000-01-01"), Some(d("2001-01-01"))),
            (d("2002-01-01"), Some(d("2003-01-01"))),
        ]);
        assert_eq!(idx.resolve(d("2001-01-01")), Position::After(0));
        assert_eq!(idx.resolve(d("2001-12-31")), Position::After(0));
        assert_eq!(idx.resolve(d("2003-01-01")), Position::After(1));
    }

    /// Non-overlapping versions: sorted cut points, each version taking a
    /// pair of consecutive points, some left open-ended or skipped (gaps).
    fn versions() -> impl Strategy<Value = Vec<(NaiveDate, Option<NaiveDate>)>> {
        (
            prop::collection::btree_set(0i64..20_000, 2..12),
            any::<bool>(),
            prop::collection::vec(any::<bool>(), 12),
        )
            .prop_map(|(points, open_end, skip)| {
                let base = d("1950-01-01");
                let pts: Vec<NaiveDate> = points
                    .into_iter()
                    .map(|p| base + chrono::Duration::days(p))
                    .collect();
                let mut spans: Vec<_> = pts
                    .windows(2)
                    .zip(skip)
                    .filter(|(_, s)| !s)
                    .map(|(w, _)| (w[0], Some(w[1])))
                    .collect();
                if open_end && let Some(last) = spans.last_mut() {
                    last.1 = None;
                }
                spans
            })
    }

    proptest! {
        #[test]
        fn the_chosen_version_contains_the_date_and_no_version_is_chosen_outside_them(
            spans in versions(),
            offset in 0i64..21_000,
        ) {
            let date = d("1950-01-01") + chrono::Duration::days(offset);
            let idx = Index::new(spans.clone());
            let containing: Vec<usize> = spans
                .iter()
                .enumerate()
                .filter(|(_, (f, u))| *f <= date && u.is_none_or(|u| date < u))
                .map(|(i, _)| i)
                .collect();
            match idx.resolve(date) {
                Position::In(i) => prop_assert_eq!(containing, vec![i]),
                Position::Before => {
                    prop_assert!(containing.is_empty());
                    prop_assert!(spans.iter().all(|(f, _)| date < *f));
                }
                Position::After(i) => {
                    prop_assert!(containing.is_empty());
                    prop_assert!(spans[i].0 <= date);
                    prop_assert!(spans.get(i + 1).is_none_or(|(f, _)| date < *f));
                }
            }
        }
    }
}
