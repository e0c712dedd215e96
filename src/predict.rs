//! Prediction: logits to probabilities with the softmax.

use ndarray::{Array1, Array2, ArrayView2, Axis};

use crate::error::Result;
use crate::model::Model;

/// Index of the largest value (the first one on ties); 0 for an empty slice.
/// NaN values are never chosen.
pub fn argmax(values: &[f32]) -> usize {
    let mut best = 0;
    for (index, &value) in values.iter().enumerate() {
        if value > values[best] || values[best].is_nan() {
            best = index;
        }
    }
    best
}

/// Applies the softmax to each row of `logits` `[n, classes]`: `exp(x_i - max) / sum`,
/// so each row becomes probabilities that sum to 1.
pub fn softmax(logits: ArrayView2<f32>) -> Array2<f32> {
    let mut probabilities = logits.to_owned();
    for mut row in probabilities.axis_iter_mut(Axis(0)) {
        let max = row.iter().copied().fold(f32::NEG_INFINITY, f32::max);
        row.mapv_inplace(|value| (value - max).exp());
        let sum = row.sum();
        row.mapv_inplace(|value| value / sum);
    }
    probabilities
}

/// Probabilities `[n, 10]` for scaled images `[n, 28, 28]` `f32` in [0, 1].
pub fn predict(model: &Model, images: ndarray::ArrayView3<f32>) -> Result<Array2<f32>> {
    Ok(softmax(model.logits(images)?.view()))
}

/// Probabilities `[10]` for one scaled image `[28, 28]`, without adding a batch axis.
pub fn predict_image(model: &Model, image: ndarray::ArrayView2<f32>) -> Result<Array1<f32>> {
    let batch = image.insert_axis(Axis(0));
    Ok(predict(model, batch)?.row(0).to_owned())
}
