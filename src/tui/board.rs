//! The Matrix tab's state: the cells played so far, and whether "run all" is under way.

use std::collections::HashMap;

use crate::crypto::Scheme;
use crate::net::matrix::{Attack, Cell};

/// The attack matrix as it fills.
#[derive(Debug, Default)]
pub struct MatrixBoard {
    cells: HashMap<(Attack, Scheme), Cell>,
    running: bool,
}

impl MatrixBoard {
    /// How many cells the whole matrix has.
    pub const SIZE: usize = Attack::ALL.len() * Scheme::ALL.len();

    /// The cell of `attack` against `scheme`, once played.
    pub fn get(&self, attack: Attack, scheme: Scheme) -> Option<&Cell> {
        self.cells.get(&(attack, scheme))
    }

    /// Cells played so far.
    pub fn len(&self) -> usize {
        self.cells.len()
    }

    /// Whether no cell has been played.
    pub fn is_empty(&self) -> bool {
        self.cells.is_empty()
    }

    /// Whether "run all" is under way.
    pub fn running(&self) -> bool {
        self.running
    }

    /// Starts "run all" on a clean board; `false` when one is already under way.
    pub fn start(&mut self) -> bool {
        if self.running {
            return false;
        }
        self.cells.clear();
        self.running = true;
        true
    }

    /// Records one cell; the run is over when every cell is in.
    pub fn record(&mut self, cell: Cell) {
        self.cells.insert((cell.attack, cell.scheme), cell);
        if self.cells.len() == Self::SIZE {
            self.running = false;
        }
    }
}
