//! Loading the dataset: IDX files into `ndarray` arrays.
//!
//! Fashion-MNIST ships as four IDX files (the MNIST format): two images files and two
//! labels files, each optionally gzip-compressed. [`load_data`] finds and reads all four.
//! The IDX readers themselves ([`read_idx_images`], [`read_idx_labels`]) accept any
//! MNIST-format file, so the same code reads the original handwritten digits too.

use std::fs;
use std::io::Read;
use std::path::{Path, PathBuf};

use flate2::read::GzDecoder;
use ndarray::{Array1, Array3};
use sha2::{Digest, Sha256};

use crate::error::{Error, Result};

/// Magic number of an IDX labels file: unsigned bytes, one dimension (`0x00000801`).
pub const IDX_LABELS_MAGIC: u32 = 0x0000_0801;
/// Magic number of an IDX images file: unsigned bytes, three dimensions (`0x00000803`).
pub const IDX_IMAGES_MAGIC: u32 = 0x0000_0803;
/// Header length of an IDX labels file: magic and item count, 4 bytes each.
pub const IDX_LABELS_HEADER_BYTES: usize = 8;
/// Header length of an IDX images file: magic, count, rows and columns, 4 bytes each.
pub const IDX_IMAGES_HEADER_BYTES: usize = 16;
/// First two bytes of every gzip stream.
pub const GZIP_MAGIC: [u8; 2] = [0x1f, 0x8b];

/// Height and width of a Fashion-MNIST image in pixels.
pub const IMAGE_SIDE: usize = 28;
/// Number of classes; labels run from 0 to 9.
pub const NUM_CLASSES: usize = 10;
/// Number of training images in Fashion-MNIST.
pub const TRAIN_COUNT: usize = 60_000;
/// Number of test images in Fashion-MNIST.
pub const TEST_COUNT: usize = 10_000;

/// Class names in label order, as in the Fashion-MNIST README and the TensorFlow tutorial.
pub const CLASS_NAMES: [&str; NUM_CLASSES] = [
    "T-shirt/top",
    "Trouser",
    "Pullover",
    "Dress",
    "Coat",
    "Sandal",
    "Shirt",
    "Sneaker",
    "Bag",
    "Ankle boot",
];

/// File names of the four IDX files, without the optional `.gz` suffix.
pub const TRAIN_IMAGES_FILE: &str = "train-images-idx3-ubyte";
pub const TRAIN_LABELS_FILE: &str = "train-labels-idx1-ubyte";
pub const TEST_IMAGES_FILE: &str = "t10k-images-idx3-ubyte";
pub const TEST_LABELS_FILE: &str = "t10k-labels-idx1-ubyte";

/// The four IDX files with the SHA-256 of their decompressed content, as published by
/// Fashion-MNIST and measured on the Debian package `dataset-fashion-mnist`.
pub const FILE_CHECKSUMS: [(&str, &str); 4] = [
    (
        TRAIN_IMAGES_FILE,
        "c59f468a2f672dc815687fe0f83887768d799fd8a3f3276145d20f83aa44d888",
    ),
    (
        TRAIN_LABELS_FILE,
        "bad3541b69d912435c50bb6ba87bec294ff4f6a2e1246121d8633921760443d9",
    ),
    (
        TEST_IMAGES_FILE,
        "5b4141f0afbad91edebe8549f8fcffe087ea10ca49f1dbef5c9a5cd8815ce37b",
    ),
    (
        TEST_LABELS_FILE,
        "0402a96d92fd2663957122ceb108a494c5af83dab82d92729df917d7dec38c34",
    ),
];

/// Environment variable naming a folder that holds the four IDX files.
pub const DATA_DIR_ENV: &str = "FASHION_MNIST_DIR";
/// Folder where the Debian/Ubuntu package `dataset-fashion-mnist` installs the files.
pub const DEBIAN_DATA_DIR: &str = "/usr/share/datasets/fashion-mnist";

/// The repository folder, found from this crate's own location at build time, so that
/// notebooks find it whatever the kernel's working directory is.
pub fn repository_dir() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

/// The `data/` folder of the repository, where generated files (scaled arrays, weights,
/// training history) are written.
pub fn generated_dir() -> PathBuf {
    repository_dir().join("data")
}

/// The folders searched for the IDX files, in order: `$FASHION_MNIST_DIR` (when set),
/// `data/fashion-mnist/` of the repository, then [`DEBIAN_DATA_DIR`].
pub fn search_dirs() -> Vec<PathBuf> {
    let mut dirs = Vec::new();
    if let Some(dir) = std::env::var_os(DATA_DIR_ENV) {
        if !dir.is_empty() {
            dirs.push(PathBuf::from(dir));
        }
    }
    dirs.push(generated_dir().join("fashion-mnist"));
    dirs.push(PathBuf::from(DEBIAN_DATA_DIR));
    dirs
}

/// Finds `name` or `name.gz` in `dir`.
pub fn find_file(dir: &Path, name: &str) -> Option<PathBuf> {
    [name.to_string(), format!("{name}.gz")]
        .into_iter()
        .map(|file| dir.join(file))
        .find(|path| path.is_file())
}

/// Returns the first of [`search_dirs`] that holds all four IDX files.
///
/// # Errors
/// [`Error::DatasetNotFound`] listing the folders searched.
pub fn find_data_dir() -> Result<PathBuf> {
    let dirs = search_dirs();
    for dir in &dirs {
        let all_present = FILE_CHECKSUMS
            .iter()
            .all(|(name, _)| find_file(dir, name).is_some());
        if all_present {
            return Ok(dir.clone());
        }
    }
    Err(Error::DatasetNotFound { searched: dirs })
}

/// The tutorial's four arrays and the class names.
///
/// - `train_images`: `[60000, 28, 28]` `u8`, pixel values 0..=255, row 0 at the top.
/// - `train_labels`: `[60000]` `u8`, values 0..=9, indices into `class_names`.
/// - `test_images`: `[10000, 28, 28]` `u8`, 0..=255.
/// - `test_labels`: `[10000]` `u8`, 0..=9.
#[derive(Debug, Clone)]
pub struct Dataset {
    pub train_images: Array3<u8>,
    pub train_labels: Array1<u8>,
    pub test_images: Array3<u8>,
    pub test_labels: Array1<u8>,
    /// Class names in label order ([`CLASS_NAMES`] for Fashion-MNIST).
    pub class_names: Vec<String>,
    /// Folder the files were read from.
    pub dir: PathBuf,
}

impl Dataset {
    /// Class names as string slices, the form the plot and table functions take.
    pub fn class_names(&self) -> Vec<&str> {
        self.class_names.iter().map(String::as_str).collect()
    }
}

/// Loads Fashion-MNIST from the first folder of [`search_dirs`] that holds it.
///
/// # Errors
/// [`Error::DatasetNotFound`] when no folder has the files, or the errors of
/// [`load_data_from`].
pub fn load_data() -> Result<Dataset> {
    load_data_from(find_data_dir()?)
}

/// Loads Fashion-MNIST from `dir`, insisting on 28x28 images, labels 0..=9 and
/// 60,000 training and 10,000 test items.
pub fn load_data_from(dir: impl AsRef<Path>) -> Result<Dataset> {
    let names: Vec<String> = CLASS_NAMES.iter().map(|name| name.to_string()).collect();
    let dataset = load_mnist_format(dir, &names, Some((IMAGE_SIDE, IMAGE_SIDE)))?;
    for (what, path_name, found, expected) in [
        (
            "training images",
            TRAIN_IMAGES_FILE,
            dataset.train_images.shape()[0],
            TRAIN_COUNT,
        ),
        (
            "test images",
            TEST_IMAGES_FILE,
            dataset.test_images.shape()[0],
            TEST_COUNT,
        ),
    ] {
        if found != expected {
            return Err(Error::Shape {
                what: format!("{what} in {}", dataset.dir.join(path_name).display()),
                expected: format!("{expected} images (Fashion-MNIST)"),
                found: format!("{found} images"),
            });
        }
    }
    Ok(dataset)
}

/// Loads any MNIST-format dataset (the four IDX files with the standard names) from
/// `dir`, with its class names in label order. `image_size` `(rows, columns)`, when
/// given, is checked against every images file; otherwise the header's size is taken.
///
/// # Errors
/// Missing files, invalid IDX content, labels outside `0..class_names.len()`, and
/// images and labels counts that differ within a split.
pub fn load_mnist_format(
    dir: impl AsRef<Path>,
    class_names: &[String],
    image_size: Option<(usize, usize)>,
) -> Result<Dataset> {
    let dir = dir.as_ref().to_path_buf();
    if class_names.is_empty() || class_names.len() > 256 {
        return Err(Error::InvalidArgument {
            what: "number of class names".into(),
            expected: "1 to 256".into(),
            found: class_names.len().to_string(),
        });
    }
    let max_label = (class_names.len() - 1) as u8;
    let locate = |name: &str| {
        find_file(&dir, name).ok_or_else(|| Error::DatasetNotFound {
            searched: vec![dir.join(name), dir.join(format!("{name}.gz"))],
        })
    };
    let (train_images, train_labels) = read_split(
        &locate(TRAIN_IMAGES_FILE)?,
        &locate(TRAIN_LABELS_FILE)?,
        image_size,
        max_label,
    )?;
    let (test_images, test_labels) = read_split(
        &locate(TEST_IMAGES_FILE)?,
        &locate(TEST_LABELS_FILE)?,
        image_size,
        max_label,
    )?;
    Ok(Dataset {
        train_images,
        train_labels,
        test_images,
        test_labels,
        class_names: class_names.to_vec(),
        dir,
    })
}

fn read_split(
    images_path: &Path,
    labels_path: &Path,
    image_size: Option<(usize, usize)>,
    max_label: u8,
) -> Result<(Array3<u8>, Array1<u8>)> {
    let images = read_idx_images(images_path)?;
    if let Some((rows, cols)) = image_size {
        let (found_rows, found_cols) = (images.shape()[1], images.shape()[2]);
        if (found_rows, found_cols) != (rows, cols) {
            return Err(Error::BadImageSize {
                path: images_path.to_path_buf(),
                expected_rows: rows,
                expected_cols: cols,
                found_rows,
                found_cols,
            });
        }
    }
    let labels = read_idx_labels_max(labels_path, max_label)?;
    if images.shape()[0] != labels.len() {
        return Err(Error::CountMismatch {
            images_path: images_path.to_path_buf(),
            images: images.shape()[0],
            labels_path: labels_path.to_path_buf(),
            labels: labels.len(),
        });
    }
    Ok((images, labels))
}

/// Reads a whole file, decompressing it when it starts with the gzip magic bytes
/// (whatever its name says).
pub fn read_maybe_gzip(path: &Path) -> Result<Vec<u8>> {
    let raw = fs::read(path).map_err(|source| Error::io("reading", path, source))?;
    if raw.starts_with(&GZIP_MAGIC) {
        let mut decoded = Vec::with_capacity(raw.len() * 4);
        GzDecoder::new(raw.as_slice())
            .read_to_end(&mut decoded)
            .map_err(|source| Error::Gzip {
                path: path.to_path_buf(),
                source,
            })?;
        Ok(decoded)
    } else {
        Ok(raw)
    }
}

fn be_u32(bytes: &[u8], offset: usize) -> u32 {
    u32::from_be_bytes([
        bytes[offset],
        bytes[offset + 1],
        bytes[offset + 2],
        bytes[offset + 3],
    ])
}

fn check_header(
    path: &Path,
    bytes: &[u8],
    kind: &'static str,
    magic: u32,
    header_bytes: usize,
) -> Result<()> {
    if bytes.len() < 4 {
        return Err(Error::WrongLength {
            path: path.to_path_buf(),
            expected: header_bytes as u64,
            found: bytes.len() as u64,
        });
    }
    let found = be_u32(bytes, 0);
    if found != magic {
        return Err(Error::BadMagic {
            path: path.to_path_buf(),
            kind,
            expected: magic,
            found,
        });
    }
    if bytes.len() < header_bytes {
        return Err(Error::WrongLength {
            path: path.to_path_buf(),
            expected: header_bytes as u64,
            found: bytes.len() as u64,
        });
    }
    Ok(())
}

/// Reads an IDX images file (magic [`IDX_IMAGES_MAGIC`], gzipped or not) into a
/// `[count, rows, columns]` `u8` array, with the sizes taken from the header.
///
/// # Errors
/// [`Error::BadMagic`] for a file that is not an images file, [`Error::WrongLength`]
/// when the length differs from the header's promise, [`Error::Gzip`], [`Error::Io`].
pub fn read_idx_images(path: impl AsRef<Path>) -> Result<Array3<u8>> {
    let path = path.as_ref();
    let bytes = read_maybe_gzip(path)?;
    check_header(
        path,
        &bytes,
        "images, 3 dimensions",
        IDX_IMAGES_MAGIC,
        IDX_IMAGES_HEADER_BYTES,
    )?;
    let count = be_u32(&bytes, 4) as usize;
    let rows = be_u32(&bytes, 8) as usize;
    let cols = be_u32(&bytes, 12) as usize;
    let expected =
        (IDX_IMAGES_HEADER_BYTES as u64) + (count as u64) * (rows as u64) * (cols as u64);
    if bytes.len() as u64 != expected {
        return Err(Error::WrongLength {
            path: path.to_path_buf(),
            expected,
            found: bytes.len() as u64,
        });
    }
    let pixels = bytes[IDX_IMAGES_HEADER_BYTES..].to_vec();
    Array3::from_shape_vec((count, rows, cols), pixels).map_err(|err| Error::Shape {
        what: format!("images in {}", path.display()),
        expected: format!("{count}x{rows}x{cols} pixels"),
        found: err.to_string(),
    })
}

/// Reads an IDX labels file (magic [`IDX_LABELS_MAGIC`], gzipped or not) into a
/// `[count]` `u8` array, checking that every label is below [`NUM_CLASSES`].
pub fn read_idx_labels(path: impl AsRef<Path>) -> Result<Array1<u8>> {
    read_idx_labels_max(path.as_ref(), (NUM_CLASSES - 1) as u8)
}

fn read_idx_labels_max(path: &Path, max_label: u8) -> Result<Array1<u8>> {
    let bytes = read_maybe_gzip(path)?;
    check_header(
        path,
        &bytes,
        "labels, 1 dimension",
        IDX_LABELS_MAGIC,
        IDX_LABELS_HEADER_BYTES,
    )?;
    let count = be_u32(&bytes, 4) as usize;
    let expected = (IDX_LABELS_HEADER_BYTES + count) as u64;
    if bytes.len() as u64 != expected {
        return Err(Error::WrongLength {
            path: path.to_path_buf(),
            expected,
            found: bytes.len() as u64,
        });
    }
    let labels = &bytes[IDX_LABELS_HEADER_BYTES..];
    if let Some((index, &value)) = labels
        .iter()
        .enumerate()
        .find(|(_, &value)| value > max_label)
    {
        return Err(Error::LabelOutOfRange {
            path: path.to_path_buf(),
            index,
            value,
            max: max_label,
        });
    }
    Ok(Array1::from(labels.to_vec()))
}

/// Checks the SHA-256 of the decompressed content of the four files in `dir` against
/// [`FILE_CHECKSUMS`]. Loading does not hash; `make data` runs this check.
///
/// # Errors
/// [`Error::ChecksumMismatch`] naming the first file that differs, or a missing file.
pub fn verify_checksums(dir: impl AsRef<Path>) -> Result<()> {
    let dir = dir.as_ref();
    for (name, expected) in FILE_CHECKSUMS {
        let path = find_file(dir, name).ok_or_else(|| Error::DatasetNotFound {
            searched: vec![dir.join(name), dir.join(format!("{name}.gz"))],
        })?;
        let found = sha256_hex(&read_maybe_gzip(&path)?);
        if found != expected {
            return Err(Error::ChecksumMismatch {
                path,
                expected: expected.to_string(),
                found,
            });
        }
    }
    Ok(())
}

/// Hex-encoded SHA-256 digest of `bytes`.
pub fn sha256_hex(bytes: &[u8]) -> String {
    Sha256::digest(bytes)
        .iter()
        .map(|byte| format!("{byte:02x}"))
        .collect()
}

/// Formats an array shape the way numpy prints it: `(60000, 28, 28)`, `(60000,)`.
pub fn numpy_shape(shape: &[usize]) -> String {
    match shape {
        [single] => format!("({single},)"),
        _ => format!(
            "({})",
            shape
                .iter()
                .map(usize::to_string)
                .collect::<Vec<_>>()
                .join(", ")
        ),
    }
}
