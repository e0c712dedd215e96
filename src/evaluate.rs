//! Evaluation: loss, accuracy and the confusion matrix on a labelled set.

use ndarray::{Array2, ArrayView1, ArrayView2, ArrayView3};

use crate::data::NUM_CLASSES;
use crate::error::{Error, Result};
use crate::model::{compute_logits, Classifier};
use crate::predict::argmax;
use crate::train::check_inputs;

/// Loss and accuracy of a model on a labelled set.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Evaluation {
    /// Mean sparse categorical cross-entropy.
    pub loss: f32,
    /// Fraction of images classified correctly, in [0, 1].
    pub accuracy: f32,
}

/// Evaluates `model` on scaled `images` `[n, 28, 28]` `f32` in [0, 1] with `labels` `[n]`.
pub fn evaluate<M: Classifier>(
    model: &M,
    images: ArrayView3<f32>,
    labels: ArrayView1<u8>,
) -> Result<Evaluation> {
    check_inputs("evaluation", images, labels)?;
    let logits = compute_logits(model, images)?;
    let mut loss_sum = 0.0f64;
    let mut correct = 0usize;
    for (row, &label) in logits.rows().into_iter().zip(labels) {
        let row = row.to_vec();
        let max = row.iter().copied().fold(f32::NEG_INFINITY, f32::max);
        let log_sum: f32 = row.iter().map(|&v| (v - max).exp()).sum::<f32>().ln() + max;
        loss_sum += f64::from(log_sum - row[label as usize]);
        if argmax(&row) == label as usize {
            correct += 1;
        }
    }
    let count = labels.len();
    Ok(Evaluation {
        loss: (loss_sum / count as f64) as f32,
        accuracy: correct as f32 / count as f32,
    })
}

/// Counts `[classes, classes]` of (true, predicted) pairs: row = true class,
/// column = predicted class.
///
/// # Errors
/// [`Error::Shape`] when the two arrays differ in length, [`Error::InvalidArgument`]
/// for a class outside `0..classes`.
pub fn confusion_counts(
    true_labels: ArrayView1<u8>,
    predicted: ArrayView1<u8>,
    classes: usize,
) -> Result<Array2<u64>> {
    if true_labels.len() != predicted.len() {
        return Err(Error::Shape {
            what: "true and predicted labels".into(),
            expected: format!("equal lengths ({} true labels)", true_labels.len()),
            found: format!("{} predicted labels", predicted.len()),
        });
    }
    let mut counts = Array2::<u64>::zeros((classes, classes));
    for (index, (&truth, &guess)) in true_labels.iter().zip(predicted).enumerate() {
        for (what, value) in [("true label", truth), ("predicted label", guess)] {
            if value as usize >= classes {
                return Err(Error::InvalidArgument {
                    what: format!("{what} at index {index}"),
                    expected: format!("a class in 0..={}", classes - 1),
                    found: value.to_string(),
                });
            }
        }
        counts[[truth as usize, guess as usize]] += 1;
    }
    Ok(counts)
}

/// The predicted class (argmax) of each row of `probabilities` `[n, 10]`.
pub fn predicted_classes(probabilities: ArrayView2<f32>) -> ndarray::Array1<u8> {
    probabilities
        .rows()
        .into_iter()
        .map(|row| argmax(&row.to_vec()) as u8)
        .collect()
}

/// Number of classes of Fashion-MNIST, for [`confusion_counts`].
pub const CLASSES: usize = NUM_CLASSES;
