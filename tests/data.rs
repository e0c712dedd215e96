//! Dataset loading: the real Fashion-MNIST files and small synthetic IDX files that
//! exercise every error path.

use std::io::Write;
use std::path::{Path, PathBuf};

use fashion_mnist::data::*;
use fashion_mnist::Error;

mod common;
use common::scratch_dir;

fn images_bytes(count: u32, rows: u32, cols: u32, pixels: usize) -> Vec<u8> {
    let mut bytes = Vec::new();
    bytes.extend_from_slice(&IDX_IMAGES_MAGIC.to_be_bytes());
    bytes.extend_from_slice(&count.to_be_bytes());
    bytes.extend_from_slice(&rows.to_be_bytes());
    bytes.extend_from_slice(&cols.to_be_bytes());
    bytes.extend((0..pixels).map(|i| (i % 256) as u8));
    bytes
}

fn labels_bytes(labels: &[u8]) -> Vec<u8> {
    let mut bytes = Vec::new();
    bytes.extend_from_slice(&IDX_LABELS_MAGIC.to_be_bytes());
    bytes.extend_from_slice(&(labels.len() as u32).to_be_bytes());
    bytes.extend_from_slice(labels);
    bytes
}

fn gzip(bytes: &[u8]) -> Vec<u8> {
    let mut encoder = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::fast());
    encoder.write_all(bytes).unwrap();
    encoder.finish().unwrap()
}

fn write(dir: &Path, name: &str, bytes: &[u8]) -> PathBuf {
    let path = dir.join(name);
    std::fs::write(&path, bytes).unwrap();
    path
}

/// Writes a complete small MNIST-format dataset: 3 training and 2 test 28x28 images.
fn write_small_dataset(dir: &Path) {
    write(dir, TRAIN_IMAGES_FILE, &images_bytes(3, 28, 28, 3 * 784));
    write(dir, TRAIN_LABELS_FILE, &labels_bytes(&[9, 0, 3]));
    write(dir, TEST_IMAGES_FILE, &images_bytes(2, 28, 28, 2 * 784));
    write(dir, TEST_LABELS_FILE, &labels_bytes(&[1, 2]));
}

#[test]
fn real_dataset_has_tutorial_shapes() {
    let dataset = load_data().expect("Fashion-MNIST must be installed: run `make data`");
    assert_eq!(dataset.train_images.shape(), &[60_000, 28, 28]);
    assert_eq!(dataset.train_labels.shape(), &[60_000]);
    assert_eq!(dataset.test_images.shape(), &[10_000, 28, 28]);
    assert_eq!(dataset.test_labels.shape(), &[10_000]);
    assert_eq!(dataset.class_names.len(), 10);
}

#[test]
fn real_dataset_known_values() {
    let dataset = load_data().expect("Fashion-MNIST must be installed: run `make data`");
    // First labels as printed by `train_labels[:10]` in the TensorFlow tutorial's dataset.
    assert_eq!(dataset.train_labels[0], 9);
    assert_eq!(dataset.class_names[9], "Ankle boot");
    assert_eq!(dataset.test_labels[6], 4, "test image 6 is a coat");
    for class in 0..10u8 {
        let train = dataset.train_labels.iter().filter(|&&l| l == class).count();
        let test = dataset.test_labels.iter().filter(|&&l| l == class).count();
        assert_eq!(train, 6_000, "training images of class {class}");
        assert_eq!(test, 1_000, "test images of class {class}");
    }
    assert_eq!(dataset.train_images.iter().copied().max(), Some(255));
    assert_eq!(dataset.train_images.iter().copied().min(), Some(0));
}

#[test]
fn real_dataset_checksums_match() {
    let dir = find_data_dir().expect("Fashion-MNIST must be installed: run `make data`");
    verify_checksums(dir).unwrap();
}

#[test]
fn small_dataset_loads_raw_and_gzip() {
    let dir = scratch_dir("small_dataset");
    write_small_dataset(&dir);
    // Gzip one file under the plain name: the content decides, not the name.
    let raw = std::fs::read(dir.join(TEST_LABELS_FILE)).unwrap();
    std::fs::write(dir.join(TEST_LABELS_FILE), gzip(&raw)).unwrap();
    let names: Vec<String> = CLASS_NAMES.iter().map(|s| s.to_string()).collect();
    let dataset = load_mnist_format(&dir, &names, Some((28, 28))).unwrap();
    assert_eq!(dataset.train_images.shape(), &[3, 28, 28]);
    assert_eq!(dataset.train_labels.to_vec(), vec![9, 0, 3]);
    assert_eq!(dataset.test_labels.to_vec(), vec![1, 2]);
    assert_eq!(dataset.train_images[[0, 0, 5]], 5);
}

#[test]
fn fashion_loader_rejects_small_counts() {
    let dir = scratch_dir("small_counts");
    write_small_dataset(&dir);
    let err = load_data_from(&dir).unwrap_err();
    assert!(
        matches!(
            &err,
            Error::WrongCount {
                expected: 60_000,
                found: 3,
                ..
            }
        ),
        "{err}"
    );
    assert!(err.to_string().contains(TRAIN_IMAGES_FILE), "{err}");
}

#[test]
fn truncated_images_file_is_rejected() {
    let dir = scratch_dir("truncated");
    let mut bytes = images_bytes(60_000, 28, 28, 60_000 * 784);
    bytes.truncate(1_000);
    let path = write(&dir, TRAIN_IMAGES_FILE, &bytes);
    let err = read_idx_images(&path).unwrap_err();
    assert!(
        matches!(err, Error::WrongLength { expected, found: 1_000, .. } if expected == 16 + 60_000 * 784),
        "{err}"
    );
    assert!(err.to_string().contains("make data"));
}

#[test]
fn gzip_cut_short_is_rejected() {
    let dir = scratch_dir("gzip_cut");
    let mut bytes = gzip(&images_bytes(100, 28, 28, 100 * 784));
    bytes.truncate(bytes.len() / 2);
    let path = write(&dir, "train-images-idx3-ubyte.gz", &bytes);
    let err = read_idx_images(&path).unwrap_err();
    assert!(matches!(err, Error::Gzip { .. }), "{err}");
}

#[test]
fn html_page_under_gz_name_is_rejected() {
    let dir = scratch_dir("html");
    let path = write(
        &dir,
        "train-images-idx3-ubyte.gz",
        b"<!DOCTYPE html><html><body>404 Not Found</body></html>",
    );
    let err = read_idx_images(&path).unwrap_err();
    assert!(matches!(err, Error::BadMagic { .. }), "{err}");
    assert!(err.to_string().contains("HTML page"), "{err}");
}

#[test]
fn header_count_larger_than_content_is_rejected() {
    let dir = scratch_dir("count");
    let path = write(&dir, "images", &images_bytes(61, 28, 28, 60 * 784));
    let err = read_idx_images(&path).unwrap_err();
    assert!(matches!(err, Error::WrongLength { .. }), "{err}");
}

#[test]
fn images_paired_with_other_labels_are_rejected() {
    let dir = scratch_dir("pairing");
    write_small_dataset(&dir);
    // Test labels (2 items) stored as training labels beside 3 training images.
    write(&dir, TRAIN_LABELS_FILE, &labels_bytes(&[1, 2]));
    let names: Vec<String> = CLASS_NAMES.iter().map(|s| s.to_string()).collect();
    let err = load_mnist_format(&dir, &names, Some((28, 28))).unwrap_err();
    assert!(
        matches!(
            err,
            Error::CountMismatch {
                images: 3,
                labels: 2,
                ..
            }
        ),
        "{err}"
    );
}

#[test]
fn label_ten_is_rejected() {
    let dir = scratch_dir("label10");
    let path = write(&dir, "labels", &labels_bytes(&[0, 9, 10, 1]));
    let err = read_idx_labels(&path).unwrap_err();
    assert!(
        matches!(
            err,
            Error::LabelOutOfRange {
                index: 2,
                value: 10,
                ..
            }
        ),
        "{err}"
    );
}

#[test]
fn images_of_32_by_32_are_rejected() {
    let dir = scratch_dir("size32");
    write_small_dataset(&dir);
    write(&dir, TRAIN_IMAGES_FILE, &images_bytes(3, 32, 32, 3 * 1024));
    let names: Vec<String> = CLASS_NAMES.iter().map(|s| s.to_string()).collect();
    let err = load_mnist_format(&dir, &names, Some((28, 28))).unwrap_err();
    assert!(
        matches!(
            err,
            Error::BadImageSize {
                found_rows: 32,
                found_cols: 32,
                ..
            }
        ),
        "{err}"
    );
}

#[test]
fn labels_file_as_images_is_rejected() {
    let dir = scratch_dir("labels_as_images");
    let path = write(&dir, "labels", &labels_bytes(&[1, 2, 3]));
    let err = read_idx_images(&path).unwrap_err();
    assert!(
        matches!(
            err,
            Error::BadMagic {
                expected: IDX_IMAGES_MAGIC,
                found: IDX_LABELS_MAGIC,
                ..
            }
        ),
        "{err}"
    );
}

#[test]
fn missing_folder_lists_searched_places() {
    let dir = scratch_dir("empty");
    let names: Vec<String> = CLASS_NAMES.iter().map(|s| s.to_string()).collect();
    let err = load_mnist_format(&dir, &names, None).unwrap_err();
    assert!(matches!(err, Error::DatasetNotFound { .. }), "{err}");
    assert!(err.to_string().contains("make data"));
}

#[test]
fn checksum_mismatch_names_the_file() {
    let dir = scratch_dir("checksum");
    write_small_dataset(&dir);
    let err = verify_checksums(&dir).unwrap_err();
    match err {
        Error::ChecksumMismatch { path, .. } => {
            assert!(path.ends_with(TRAIN_IMAGES_FILE), "{}", path.display())
        }
        other => panic!("expected ChecksumMismatch, got {other}"),
    }
}

#[test]
fn numpy_shape_formats_like_numpy() {
    assert_eq!(numpy_shape(&[60_000, 28, 28]), "(60000, 28, 28)");
    assert_eq!(numpy_shape(&[10_000]), "(10000,)");
}

/// Reference values from numpy on the files of `dataset-fashion-mnist`:
/// `x = train_images[0]; x.min(), x.max(), round(x.mean(), 4)` gives `0, 255, 97.2538`.
#[test]
fn real_first_image_statistics() {
    let dataset = load_data().expect("Fashion-MNIST must be installed: run `make data`");
    let stats = pixel_stats(dataset.train_images.index_axis(ndarray::Axis(0), 0)).unwrap();
    assert_eq!(stats.min, 0);
    assert_eq!(stats.max, 255);
    assert!((stats.mean - 97.2538).abs() < 5e-5, "mean {}", stats.mean);
    assert_eq!(
        CLASS_NAMES[usize::from(dataset.train_labels[0])],
        "Ankle boot"
    );
}

#[test]
fn real_dataset_summary_counts() {
    let dataset = load_data().expect("Fashion-MNIST must be installed: run `make data`");
    let summary = dataset.summary();
    assert_eq!(summary.train_count, 60_000);
    assert_eq!(summary.test_count, 10_000);
    assert_eq!(summary.train_class_counts, vec![6_000; 10]);
    assert_eq!(summary.test_class_counts, vec![1_000; 10]);
    let train = summary.train_pixels.unwrap();
    assert_eq!((train.min, train.max), (0, 255));
    let test = summary.test_pixels.unwrap();
    assert_eq!((test.min, test.max), (0, 255));
}

#[test]
fn other_mnist_format_dataset_loads() {
    // Five classes of 8x6 images: the generic reader takes the size from the headers.
    let dir = scratch_dir("other_format");
    write(&dir, TRAIN_IMAGES_FILE, &images_bytes(4, 8, 6, 4 * 48));
    write(&dir, TRAIN_LABELS_FILE, &labels_bytes(&[4, 0, 1, 4]));
    write(
        &dir,
        TEST_IMAGES_FILE,
        &gzip(&images_bytes(2, 8, 6, 2 * 48)),
    );
    write(&dir, TEST_LABELS_FILE, &labels_bytes(&[2, 3]));
    let names: Vec<String> = ["a", "b", "c", "d", "e"].map(String::from).to_vec();
    let dataset = load_mnist_format(&dir, &names, None).unwrap();
    assert_eq!(dataset.train_images.shape(), &[4, 8, 6]);
    assert_eq!(dataset.test_images.shape(), &[2, 8, 6]);
    assert_eq!(dataset.test_images[[1, 0, 0]], 48);
    let summary = dataset.summary();
    assert_eq!(summary.train_class_counts, vec![1, 1, 0, 0, 2]);
    assert_eq!(summary.test_class_counts, vec![0, 0, 1, 1, 0]);
}

#[test]
fn fashion_loader_rejects_other_image_size() {
    let dir = scratch_dir("fashion_size");
    write(&dir, TRAIN_IMAGES_FILE, &images_bytes(3, 8, 6, 3 * 48));
    write(&dir, TRAIN_LABELS_FILE, &labels_bytes(&[9, 0, 3]));
    write(&dir, TEST_IMAGES_FILE, &images_bytes(2, 28, 28, 2 * 784));
    write(&dir, TEST_LABELS_FILE, &labels_bytes(&[1, 2]));
    let err = load_data_from(&dir).unwrap_err();
    assert!(
        matches!(
            err,
            Error::BadImageSize {
                expected_rows: 28,
                expected_cols: 28,
                found_rows: 8,
                found_cols: 6,
                ..
            }
        ),
        "{err}"
    );
}

#[test]
fn label_beyond_class_count_is_rejected() {
    let dir = scratch_dir("label_classes");
    write_small_dataset(&dir);
    let names: Vec<String> = ["a", "b", "c", "d"].map(String::from).to_vec();
    let err = load_mnist_format(&dir, &names, None).unwrap_err();
    assert!(
        matches!(
            err,
            Error::LabelOutOfRange {
                index: 0,
                value: 9,
                max: 3,
                ..
            }
        ),
        "{err}"
    );
}

#[test]
fn no_class_names_is_rejected() {
    let dir = scratch_dir("no_classes");
    write_small_dataset(&dir);
    let err = load_mnist_format(&dir, &[], None).unwrap_err();
    assert!(matches!(err, Error::InvalidArgument { .. }), "{err}");
}

#[test]
fn raw_file_named_gz_is_read() {
    let dir = scratch_dir("raw_as_gz");
    let path = write(&dir, "labels.gz", &labels_bytes(&[3, 1]));
    assert_eq!(read_idx_labels(&path).unwrap().to_vec(), vec![3, 1]);
}

#[test]
fn gzip_with_extra_bytes_is_rejected() {
    let dir = scratch_dir("gzip_long");
    let mut bytes = images_bytes(2, 28, 28, 2 * 784);
    bytes.extend_from_slice(&[0; 100]);
    let path = write(&dir, "images.gz", &gzip(&bytes));
    let err = read_idx_images(&path).unwrap_err();
    assert!(
        matches!(err, Error::WrongLength { expected, found, .. } if expected == 16 + 2 * 784 && found == 16 + 2 * 784 + 100),
        "{err}"
    );
}

#[test]
fn gzip_shorter_than_header_is_rejected() {
    let dir = scratch_dir("gzip_short");
    let bytes = images_bytes(2, 28, 28, 0);
    let path = write(&dir, "images.gz", &gzip(&bytes[..10]));
    let err = read_idx_images(&path).unwrap_err();
    assert!(
        matches!(
            err,
            Error::WrongLength {
                expected: 16,
                found: 10,
                ..
            }
        ),
        "{err}"
    );
}

#[test]
fn huge_header_count_fails_without_allocating() {
    // The header promises 4 billion 65535x65535 images; the reader must compare with the
    // real length instead of allocating what the header claims.
    let dir = scratch_dir("huge_count");
    let bytes = images_bytes(u32::MAX, 65_535, 65_535, 10);
    let raw = write(&dir, "images", &bytes);
    let err = read_idx_images(&raw).unwrap_err();
    assert!(matches!(err, Error::WrongLength { found: 26, .. }), "{err}");
    let gz = write(&dir, "images.gz", &gzip(&bytes));
    let err = read_idx_images(&gz).unwrap_err();
    assert!(matches!(err, Error::WrongLength { found: 26, .. }), "{err}");
}

#[test]
fn empty_file_is_rejected() {
    let dir = scratch_dir("empty_file");
    let path = write(&dir, "labels", b"");
    let err = read_idx_labels(&path).unwrap_err();
    assert!(
        matches!(
            err,
            Error::WrongLength {
                expected: 8,
                found: 0,
                ..
            }
        ),
        "{err}"
    );
}

#[test]
fn float_idx_magic_is_explained() {
    let dir = scratch_dir("float_magic");
    let mut bytes = images_bytes(1, 2, 2, 4);
    bytes[2] = 0x0d;
    let path = write(&dir, "images", &bytes);
    let err = read_idx_images(&path).unwrap_err();
    assert!(
        matches!(
            err,
            Error::BadMagic {
                found: 0x0000_0d03,
                ..
            }
        ),
        "{err}"
    );
    assert!(err.to_string().contains("32-bit float"), "{err}");
}

#[test]
fn pixel_stats_of_empty_array_is_none() {
    let empty = ndarray::Array3::<u8>::zeros((0, 28, 28));
    assert_eq!(pixel_stats(&empty), None);
}
