use std::collections::HashMap;

use super::RowSet;

/// The in-memory rows of one shard, per measurement.
#[derive(Clone, Debug, Default)]
pub struct Memtable {
    measurements: HashMap<String, RowSet>,
}

impl Memtable {
    pub fn new() -> Self {
        Self::default()
    }

    /// The row set of `measurement`, created on first use.
    pub fn rows_mut(&mut self, measurement: &str) -> &mut RowSet {
        if !self.measurements.contains_key(measurement) {
            self.measurements
                .insert(measurement.to_string(), RowSet::new());
        }
        // The key was inserted above if missing.
        self.measurements
            .get_mut(measurement)
            .unwrap_or_else(|| unreachable!())
    }

    pub fn rows(&self, measurement: &str) -> Option<&RowSet> {
        self.measurements.get(measurement)
    }

    pub fn measurements(&self) -> impl Iterator<Item = (&String, &RowSet)> {
        self.measurements.iter()
    }

    pub fn estimated_bytes(&self) -> usize {
        self.measurements
            .values()
            .map(|r| r.estimated_bytes() + 64)
            .sum()
    }

    pub fn is_empty(&self) -> bool {
        self.measurements.values().all(|r| r.is_empty())
    }

    /// Replaces the rows of `measurement` (deletes rebuild a filtered copy).
    pub fn replace_rows(&mut self, measurement: &str, rows: RowSet) {
        if rows.is_empty() {
            self.measurements.remove(measurement);
        } else {
            self.measurements.insert(measurement.to_string(), rows);
        }
    }

    pub fn remove_measurement(&mut self, measurement: &str) {
        self.measurements.remove(measurement);
    }
}
