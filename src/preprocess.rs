//! Preprocessing: scaling pixels to [0, 1] and saving arrays as `.npy`.

use std::path::{Path, PathBuf};

use ndarray::{Array, Array1, Array3, ArrayBase, Data, Dimension};
use ndarray_npy::{ReadableElement, WritableElement};

use crate::data::{generated_dir, Dataset};
use crate::error::{Error, Result};

/// Largest raw pixel value; dividing by it maps 0..=255 onto [0, 1].
pub const MAX_PIXEL: f32 = 255.0;

/// File names of the scaled arrays under `data/`, as written by [`save_scaled`].
pub const TRAIN_IMAGES_NPY: &str = "train_images_scaled.npy";
pub const TEST_IMAGES_NPY: &str = "test_images_scaled.npy";
pub const TRAIN_LABELS_NPY: &str = "train_labels.npy";
pub const TEST_LABELS_NPY: &str = "test_labels.npy";

/// Scales `u8` pixels 0..=255 to `f32` in [0, 1] by dividing by 255. The shape is kept.
pub fn scale_images<D: Dimension>(images: &Array<u8, D>) -> Array<f32, D> {
    images.mapv(|pixel| f32::from(pixel) / MAX_PIXEL)
}

/// Minimum and maximum of an array of pixels, or `None` when it is empty.
/// NaN values are skipped.
pub fn pixel_range<S, D, T>(pixels: &ArrayBase<S, D>) -> Option<(f32, f32)>
where
    S: Data<Elem = T>,
    D: Dimension,
    T: Copy + Into<f32>,
{
    pixels
        .iter()
        .map(|&value| value.into())
        .filter(|value: &f32| !value.is_nan())
        .fold(None, |range, value| match range {
            None => Some((value, value)),
            Some((min, max)) => Some((min.min(value), max.max(value))),
        })
}

/// Checks that `images` are scaled: every value finite and in [0, 1].
///
/// # Errors
/// [`Error::NotScaled`] with the largest value found, naming `what`.
pub fn check_scaled<S, D>(what: &str, images: &ArrayBase<S, D>) -> Result<()>
where
    S: Data<Elem = f32>,
    D: Dimension,
{
    let mut max = 0.0f32;
    let mut bad = false;
    for &value in images.iter() {
        if !(0.0..=1.0).contains(&value) {
            bad = true;
            if value.is_nan() || value > max || value < 0.0 {
                max = if value.is_nan() { f32::NAN } else { value };
                if value.is_nan() {
                    break;
                }
            }
        }
    }
    if bad {
        return Err(Error::NotScaled {
            what: what.to_string(),
            max,
        });
    }
    Ok(())
}

/// Writes `array` to a `.npy` file that numpy can load, creating the parent folder.
pub fn save_npy<A, S, D>(path: impl AsRef<Path>, array: &ArrayBase<S, D>) -> Result<()>
where
    A: WritableElement,
    S: Data<Elem = A>,
    D: Dimension,
{
    let path = path.as_ref();
    if let Some(parent) = path.parent() {
        std::fs::create_dir_all(parent)
            .map_err(|source| Error::io("creating folder", parent, source))?;
    }
    ndarray_npy::write_npy(path, array).map_err(|source| Error::WriteNpy {
        path: path.to_path_buf(),
        source,
    })
}

/// Reads a `.npy` file written by [`save_npy`] or by numpy.
pub fn load_npy<A, D>(path: impl AsRef<Path>) -> Result<Array<A, D>>
where
    A: ReadableElement,
    D: Dimension,
{
    let path = path.as_ref();
    ndarray_npy::read_npy(path).map_err(|source| Error::ReadNpy {
        path: path.to_path_buf(),
        source,
    })
}

/// The scaled arrays of the tutorial.
///
/// - `train_images`: `[60000, 28, 28]` `f32` in [0, 1].
/// - `train_labels`: `[60000]` `u8` 0..=9.
/// - `test_images`: `[10000, 28, 28]` `f32` in [0, 1].
/// - `test_labels`: `[10000]` `u8` 0..=9.
#[derive(Debug, Clone)]
pub struct Scaled {
    pub train_images: Array3<f32>,
    pub train_labels: Array1<u8>,
    pub test_images: Array3<f32>,
    pub test_labels: Array1<u8>,
}

impl Scaled {
    /// Scales both image sets of `dataset` (labels are copied unchanged).
    pub fn from_dataset(dataset: &Dataset) -> Self {
        Scaled {
            train_images: scale_images(&dataset.train_images),
            train_labels: dataset.train_labels.clone(),
            test_images: scale_images(&dataset.test_images),
            test_labels: dataset.test_labels.clone(),
        }
    }
}

/// Paths of the four `.npy` files in `dir`: train images, train labels, test images,
/// test labels.
pub fn scaled_paths(dir: &Path) -> [PathBuf; 4] {
    [
        dir.join(TRAIN_IMAGES_NPY),
        dir.join(TRAIN_LABELS_NPY),
        dir.join(TEST_IMAGES_NPY),
        dir.join(TEST_LABELS_NPY),
    ]
}

/// Saves the scaled arrays as four `.npy` files in `dir` and returns their paths.
pub fn save_scaled(scaled: &Scaled, dir: impl AsRef<Path>) -> Result<[PathBuf; 4]> {
    let paths = scaled_paths(dir.as_ref());
    save_npy(&paths[0], &scaled.train_images)?;
    save_npy(&paths[1], &scaled.train_labels)?;
    save_npy(&paths[2], &scaled.test_images)?;
    save_npy(&paths[3], &scaled.test_labels)?;
    Ok(paths)
}

/// Loads the four `.npy` files from `dir` and checks their shapes and pixel range.
pub fn load_scaled(dir: impl AsRef<Path>) -> Result<Scaled> {
    let paths = scaled_paths(dir.as_ref());
    let scaled = Scaled {
        train_images: load_npy(&paths[0])?,
        train_labels: load_npy(&paths[1])?,
        test_images: load_npy(&paths[2])?,
        test_labels: load_npy(&paths[3])?,
    };
    for (path, images, labels) in [
        (&paths[0], &scaled.train_images, &scaled.train_labels),
        (&paths[2], &scaled.test_images, &scaled.test_labels),
    ] {
        if images.shape()[0] != labels.len() {
            return Err(Error::Shape {
                what: format!("images in {}", path.display()),
                expected: format!("{} images, one per label", labels.len()),
                found: format!("{} images", images.shape()[0]),
            });
        }
        check_scaled(&path.display().to_string(), images)?;
    }
    Ok(scaled)
}

/// Loads the scaled arrays from `data/`, or, when any file is missing, loads the
/// dataset, scales it and saves the arrays there first.
pub fn load_or_make_scaled() -> Result<Scaled> {
    let dir = generated_dir();
    if scaled_paths(&dir).iter().all(|path| path.is_file()) {
        return load_scaled(&dir);
    }
    let scaled = Scaled::from_dataset(&crate::data::load_data()?);
    save_scaled(&scaled, &dir)?;
    Ok(scaled)
}
