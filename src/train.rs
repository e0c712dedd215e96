//! Training: the configuration, the training loop and its history.

/// Statistics of one training epoch.
#[derive(Debug, Clone, PartialEq)]
pub struct EpochStats {
    /// Epoch number, starting at 1.
    pub epoch: usize,
    /// Mean sparse categorical cross-entropy over the epoch's batches.
    pub loss: f32,
    /// Fraction of training images classified correctly during the epoch, in [0, 1].
    pub accuracy: f32,
    /// Wall-clock seconds the epoch took.
    pub seconds: f32,
    /// Training images processed per second.
    pub images_per_second: f32,
    /// Loss on the validation (test) set after the epoch, when one was given.
    pub test_loss: Option<f32>,
    /// Accuracy on the validation (test) set after the epoch, when one was given.
    pub test_accuracy: Option<f32>,
}

/// Per-epoch statistics of one training run, in epoch order.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct History {
    pub epochs: Vec<EpochStats>,
}
