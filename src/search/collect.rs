//! Collectors: what a search keeps of the documents that match.
//!
//! [`PublicTop`] keeps the best hits that are public at a given moment, in relevance or
//! newest-first order, and counts them; [`AllIds`] answers every matching article id.
//! Visibility is read from the `visible_at` fast field per matching document rather than
//! written into the query, so a one-word search keeps tantivy's Block-WAND pruning.

use std::cmp::{Ordering, Reverse};
use std::collections::BinaryHeap;
use std::sync::Arc;

use tantivy::collector::{Collector, SegmentCollector};
use tantivy::columnar::ColumnValues;
use tantivy::query::Weight;
use tantivy::{DocId, Score, SegmentOrdinal, SegmentReader};

use super::Hit;
use super::schema::NEVER;

/// A hit ranked for a heap: greater is better. Relevance compares the score, then the
/// publication time and the id (newest first on a tie, as the SQL list did); newest-first
/// hits all carry the score 0, so only time and id decide.
#[derive(Debug, Clone, Copy)]
struct Ranked(Hit);

impl Ranked {
    fn key(&self) -> (Score, i64, i64) {
        (self.0.score, self.0.visible_at, self.0.id)
    }
}

impl Ord for Ranked {
    fn cmp(&self, other: &Self) -> Ordering {
        let (a, b) = (self.key(), other.key());
        a.0.total_cmp(&b.0).then(a.1.cmp(&b.1)).then(a.2.cmp(&b.2))
    }
}

impl PartialOrd for Ranked {
    fn partial_cmp(&self, other: &Self) -> Option<Ordering> {
        Some(self.cmp(other))
    }
}

impl PartialEq for Ranked {
    fn eq(&self, other: &Self) -> bool {
        self.cmp(other) == Ordering::Equal
    }
}

impl Eq for Ranked {}

/// The public hits at `now`: the best `keep` of them and, when counting, how many there are.
#[derive(Debug, Clone, Copy)]
pub struct PublicTop {
    /// Unix seconds: a document is public when its `visible_at <= now`.
    pub now: i64,
    /// How many of the best hits to keep (the page's end).
    pub keep: usize,
    /// Relevance order (scores computed) rather than newest first.
    pub scored: bool,
    /// Count every public match; without it a relevance search may skip documents that
    /// cannot reach the kept hits.
    pub count: bool,
    /// Keyset: only hits before this `(visible_at, id)` in newest-first order.
    pub before: Option<(i64, i64)>,
}

/// What [`PublicTop`] found: the kept hits, best first, and the number of public matches
/// (exact only when it was asked to count).
pub type PublicFruit = (Vec<Hit>, u64);

impl Collector for PublicTop {
    type Fruit = PublicFruit;
    type Child = PublicTopSegment;

    fn for_segment(
        &self,
        _: SegmentOrdinal,
        reader: &SegmentReader,
    ) -> tantivy::Result<Self::Child> {
        Ok(PublicTopSegment {
            columns: Columns::of(reader)?,
            top: *self,
            heap: BinaryHeap::with_capacity(self.keep.min(1024) + 1),
            count: 0,
        })
    }

    fn requires_scoring(&self) -> bool {
        self.scored
    }

    fn merge_fruits(&self, fruits: Vec<PublicFruit>) -> tantivy::Result<PublicFruit> {
        let count = fruits.iter().map(|(_, n)| n).sum();
        let mut hits: Vec<Ranked> = fruits
            .into_iter()
            .flat_map(|(hits, _)| hits.into_iter().map(Ranked))
            .collect();
        hits.sort_unstable_by(|a, b| b.cmp(a));
        hits.truncate(self.keep);
        Ok((hits.into_iter().map(|r| r.0).collect(), count))
    }

    /// Relevance without a count lets the query skip what cannot enter the kept hits
    /// (Block-WAND); everything else visits every match.
    fn collect_segment(
        &self,
        weight: &dyn Weight,
        segment_ord: SegmentOrdinal,
        reader: &SegmentReader,
    ) -> tantivy::Result<PublicFruit> {
        let mut segment = self.for_segment(segment_ord, reader)?;
        if self.scored && !self.count {
            let alive = reader.alive_bitset();
            weight.for_each_pruning(Score::MIN, reader, &mut |doc, score| {
                if alive.is_none_or(|a| a.is_alive(doc)) {
                    segment.collect(doc, score);
                }
                segment.threshold()
            })?;
        } else {
            visit_all(&mut segment, weight, reader, self.scored)?;
        }
        Ok(segment.harvest())
    }
}

/// Feeds every live match of `weight` to `segment`.
fn visit_all(
    segment: &mut impl SegmentCollector,
    weight: &dyn Weight,
    reader: &SegmentReader,
    scored: bool,
) -> tantivy::Result<()> {
    let alive = reader.alive_bitset();
    let live = |doc: DocId| alive.is_none_or(|a| a.is_alive(doc));
    if scored {
        weight.for_each(reader, &mut |doc, score| {
            if live(doc) {
                segment.collect(doc, score);
            }
        })
    } else {
        weight.for_each_no_score(reader, &mut |docs| {
            for &doc in docs {
                if live(doc) {
                    segment.collect(doc, 0.0);
                }
            }
        })
    }
}

/// The two fast fields every collector reads.
struct Columns {
    ids: Arc<dyn ColumnValues<i64>>,
    visible_at: Arc<dyn ColumnValues<i64>>,
}

impl Columns {
    fn of(reader: &SegmentReader) -> tantivy::Result<Self> {
        let fast = reader.fast_fields();
        Ok(Self {
            ids: fast.i64("id")?.first_or_default_col(0),
            visible_at: fast.i64("visible_at")?.first_or_default_col(NEVER),
        })
    }
}

/// The largest score below `score` (`f32::next_down`, which needs Rust 1.86).
fn just_below(score: Score) -> Score {
    if score > 0.0 && score.is_finite() {
        // Positive finite floats order as their bit patterns.
        f32::from_bits(score.to_bits() - 1)
    } else {
        Score::MIN
    }
}

/// [`PublicTop`] within one segment.
pub struct PublicTopSegment {
    columns: Columns,
    top: PublicTop,
    /// The kept hits, worst on top.
    heap: BinaryHeap<Reverse<Ranked>>,
    count: u64,
}

impl PublicTopSegment {
    /// The score a document must beat to be worth looking at: just under the worst kept
    /// hit's once the heap is full (a tie may still win on its date).
    fn threshold(&self) -> Score {
        match self.heap.peek() {
            Some(Reverse(worst)) if self.heap.len() >= self.top.keep => just_below(worst.0.score),
            _ => Score::MIN,
        }
    }

    fn offer(&mut self, hit: Ranked) {
        if self.heap.len() < self.top.keep {
            self.heap.push(Reverse(hit));
        } else if let Some(mut worst) = self.heap.peek_mut()
            && hit > worst.0
        {
            *worst = Reverse(hit);
        }
    }
}

impl SegmentCollector for PublicTopSegment {
    type Fruit = PublicFruit;

    fn collect(&mut self, doc: DocId, score: Score) {
        let visible_at = self.columns.visible_at.get_val(doc);
        if visible_at > self.top.now {
            return;
        }
        self.count += 1;
        let id = self.columns.ids.get_val(doc);
        if self
            .top
            .before
            .is_some_and(|before| (visible_at, id) >= before)
        {
            return;
        }
        let score = if self.top.scored { score } else { 0.0 };
        self.offer(Ranked(Hit {
            id,
            score,
            visible_at,
        }));
    }

    fn harvest(self) -> PublicFruit {
        let hits = self.heap.into_iter().map(|Reverse(r)| r.0).collect();
        (hits, self.count)
    }
}

/// Every matching article id, whatever its visibility.
#[derive(Debug, Clone, Copy)]
pub struct AllIds;

impl Collector for AllIds {
    type Fruit = Vec<i64>;
    type Child = AllIdsSegment;

    fn for_segment(
        &self,
        _: SegmentOrdinal,
        reader: &SegmentReader,
    ) -> tantivy::Result<Self::Child> {
        Ok(AllIdsSegment {
            ids: Columns::of(reader)?.ids,
            found: Vec::new(),
        })
    }

    fn requires_scoring(&self) -> bool {
        false
    }

    fn merge_fruits(&self, fruits: Vec<Vec<i64>>) -> tantivy::Result<Vec<i64>> {
        let mut ids: Vec<i64> = fruits.into_iter().flatten().collect();
        ids.sort_unstable();
        Ok(ids)
    }
}

/// [`AllIds`] within one segment.
pub struct AllIdsSegment {
    ids: Arc<dyn ColumnValues<i64>>,
    found: Vec<i64>,
}

impl SegmentCollector for AllIdsSegment {
    type Fruit = Vec<i64>;

    fn collect(&mut self, doc: DocId, _: Score) {
        self.found.push(self.ids.get_val(doc));
    }

    fn harvest(self) -> Vec<i64> {
        self.found
    }
}

/// Every matching article id with its relevance score.
pub struct AllScored;

impl Collector for AllScored {
    type Fruit = Vec<(i64, Score)>;
    type Child = AllScoredSegment;

    fn for_segment(
        &self,
        _: SegmentOrdinal,
        reader: &SegmentReader,
    ) -> tantivy::Result<Self::Child> {
        Ok(AllScoredSegment {
            ids: Columns::of(reader)?.ids,
            found: Vec::new(),
        })
    }

    fn requires_scoring(&self) -> bool {
        true
    }

    fn merge_fruits(&self, fruits: Vec<Vec<(i64, Score)>>) -> tantivy::Result<Vec<(i64, Score)>> {
        Ok(fruits.into_iter().flatten().collect())
    }
}

/// [`AllScored`] within one segment.
pub struct AllScoredSegment {
    ids: Arc<dyn ColumnValues<i64>>,
    found: Vec<(i64, Score)>,
}

impl SegmentCollector for AllScoredSegment {
    type Fruit = Vec<(i64, Score)>;

    fn collect(&mut self, doc: DocId, score: Score) {
        self.found.push((self.ids.get_val(doc), score));
    }

    fn harvest(self) -> Vec<(i64, Score)> {
        self.found
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn just_below_is_the_next_score_down() {
        assert!(just_below(1.0) < 1.0);
        assert_eq!(just_below(1.0), 0.999_999_94);
        assert!(just_below(f32::MIN_POSITIVE) > 0.0);
        assert_eq!(just_below(0.0), Score::MIN);
        assert_eq!(just_below(f32::INFINITY), Score::MIN);
    }
}
