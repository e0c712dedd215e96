//! The gallery of the most confident mistakes: wrong predictions with the highest
//! probability for the wrong class.

use ndarray::{ArrayView1, ArrayView2, ArrayView3, Axis};

use super::{
    check_label, check_label_count, check_not_empty, intensities, owned_class_names, Content,
    Figure, ImageGrid, Pixel, Tile, MAX_GRID_IMAGES, WRONG_COLOR,
};
use crate::{Error, Result};

/// Number of columns of [`confident_mistakes`].
pub const MISTAKE_COLUMNS: usize = 5;

/// One wrong prediction: the image index, its true and predicted classes and the
/// probability of the predicted class.
struct Mistake {
    index: usize,
    true_class: usize,
    predicted_class: usize,
    confidence: f32,
}

/// Draws the `count` wrong predictions with the highest confidence, most confident first,
/// in rows of [`MISTAKE_COLUMNS`].
///
/// `images` has shape `[n, rows, cols]` with `u8` pixels in 0..=255 or `f32` pixels in
/// [0, 1], `probabilities` has shape `[n, classes]` with values in [0, 1] (softmax output)
/// and `labels` has one true class index per image. The predicted class is the one with the
/// highest probability, the first on ties. Under each image (matplotlib's "binary" color
/// map, garment dark on light) three red lines give the predicted class with its
/// probability, the true class and the image's index. Equal confidences keep index order.
/// When there are fewer than `count` mistakes, all are shown.
///
/// # Errors
/// - [`Error::Shape`] when `images`, `probabilities` and `labels` differ in their number of
///   images, or `probabilities` has a column count other than the number of class names.
/// - [`Error::InvalidArgument`] for no images, an empty `class_names`, a `count` of 0 or
///   above [`MAX_GRID_IMAGES`], a probability that is NaN or outside [0, 1], a label without
///   a class name, or when every prediction is right.
/// - The errors of [`super::image_with_colorbar`] for an invalid image that is shown.
pub fn confident_mistakes<P: Pixel, S: AsRef<str>>(
    images: ArrayView3<P>,
    probabilities: ArrayView2<f32>,
    labels: ArrayView1<u8>,
    class_names: &[S],
    count: usize,
) -> Result<Figure> {
    let class_names = owned_class_names(class_names)?;
    let image_count = images.len_of(Axis(0));
    check_not_empty(image_count)?;
    check_label_count(labels.len(), image_count)?;
    if probabilities.dim() != (image_count, class_names.len()) {
        return Err(Error::Shape {
            what: "probabilities".to_string(),
            expected: format!("[images, classes] = [{image_count}, {}]", class_names.len()),
            found: format!("{:?}", probabilities.shape()),
        });
    }
    if count == 0 || count > MAX_GRID_IMAGES {
        return Err(Error::InvalidArgument {
            what: "count".to_string(),
            expected: format!("1 to {MAX_GRID_IMAGES}"),
            found: count.to_string(),
        });
    }

    let mut mistakes = Vec::new();
    for (index, row) in probabilities.outer_iter().enumerate() {
        let (predicted_class, confidence) = checked_prediction(index, row)?;
        let true_class = check_label(
            &format!("labels[{index}]"),
            labels[index],
            class_names.len(),
        )?;
        if predicted_class != true_class {
            mistakes.push(Mistake {
                index,
                true_class,
                predicted_class,
                confidence,
            });
        }
    }
    if mistakes.is_empty() {
        return Err(Error::InvalidArgument {
            what: "predictions".to_string(),
            expected: "at least one wrong prediction to show".to_string(),
            found: format!("all {image_count} predictions right"),
        });
    }
    // A stable sort keeps index order among equal confidences.
    mistakes.sort_by(|a, b| b.confidence.total_cmp(&a.confidence));
    let wrong_count = mistakes.len();
    mistakes.truncate(count);

    let mut tiles = Vec::with_capacity(mistakes.len());
    for mistake in &mistakes {
        let image = intensities(
            &format!("images[{}]", mistake.index),
            images.index_axis(Axis(0), mistake.index),
        )?;
        tiles.push(Tile {
            image,
            caption: vec![
                format!(
                    "{} {:.0}%",
                    class_names[mistake.predicted_class],
                    100.0 * mistake.confidence
                ),
                format!("true: {}", class_names[mistake.true_class]),
                format!("image {}", mistake.index),
            ],
            color: WRONG_COLOR,
        });
    }
    let title = format!(
        "{} most confident of {wrong_count} wrong predictions in {image_count} images",
        mistakes.len()
    );
    Figure::new(Content::ImageGrid(ImageGrid {
        tiles,
        columns: MISTAKE_COLUMNS,
        title: Some(title),
    }))
}

/// Checks one row of probabilities and returns its predicted class (the first highest
/// probability) with that probability.
fn checked_prediction(index: usize, row: ArrayView1<f32>) -> Result<(usize, f32)> {
    let mut best = 0;
    for (class, &value) in row.iter().enumerate() {
        if !(0.0..=1.0).contains(&value) {
            return Err(Error::InvalidArgument {
                what: format!("probabilities[{index}, {class}]"),
                expected: "a probability in [0, 1] (apply softmax to the logits first)".to_string(),
                found: value.to_string(),
            });
        }
        if value > row[best] {
            best = class;
        }
    }
    Ok((best, row[best]))
}
