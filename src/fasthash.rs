//! Hash maps with a fast hasher, and paths keyed by their bytes.
//!
//! The standard maps hash with SipHash, and a `Path` key is hashed
//! component by component (its bytes scanned for separators, each piece
//! written on its own): on many files, hashing paths and findings was a
//! tenth of the run. The maps here hash with foldhash (decision 0027),
//! seeded at random per map as the standard ones are, and the paths they
//! hold are keyed by their bytes (`OsString`): both sides of a look-up are
//! normalized absolute paths, for which bytes and components agree.

use std::collections::{HashMap, HashSet};

/// The hasher of [`Map`] and [`Set`]: foldhash, seeded at random.
pub type State = foldhash::fast::RandomState;

/// A `HashMap` hashed with foldhash.
pub type Map<K, V> = HashMap<K, V, State>;

/// A `HashSet` hashed with foldhash.
pub type Set<K> = HashSet<K, State>;

/// An empty [`Map`] with room for `n` entries.
pub fn map_with_capacity<K, V>(n: usize) -> Map<K, V> {
    Map::with_capacity_and_hasher(n, State::default())
}

/// An empty [`Set`] with room for `n` entries.
pub fn set_with_capacity<K>(n: usize) -> Set<K> {
    Set::with_capacity_and_hasher(n, State::default())
}
