//! Figures: what a reader sees (pixel positions, text colors, cell positions), input checks
//! and output sizes.

use fashion_mnist::evaluate::confusion_counts;
use fashion_mnist::plot::{
    class_mean_images, confidence_bars, confident_mistakes, confusion_matrix, image_grid,
    image_with_colorbar, pixel_histogram, prediction_grid, prediction_panel, training_curves,
    tutorial_image_grid, tutorial_prediction_grid, Figure, BAR_COLOR, CORRECT_COLOR, GRID_COLUMNS,
    GRID_COUNT, PREDICTION_GRID_COLUMNS, PREDICTION_GRID_COUNT, WRONG_COLOR,
};
use fashion_mnist::train::{EpochStats, History};
use fashion_mnist::Error;
use image::RgbImage;
use ndarray::{Array1, Array2, Array3, Axis};
use plotters::prelude::{RGBColor, ViridisRGB};

use fashion_mnist::data::CLASS_NAMES;

/// Output limits for evcxr messages: a 5 x 5 image grid and a 15-panel prediction grid.
const GRID_MESSAGE_LIMIT: usize = 200_000;
const PREDICTION_GRID_MESSAGE_LIMIT: usize = 400_000;

/// A 64-bit linear congruential generator (Knuth's MMIX constants), so tests need no RNG crate.
struct Lcg(u64);

impl Lcg {
    fn next_u32(&mut self) -> u32 {
        self.0 = self
            .0
            .wrapping_mul(6364136223846793005)
            .wrapping_add(1442695040888963407);
        (self.0 >> 32) as u32
    }

    fn next_f32(&mut self) -> f32 {
        self.next_u32() as f32 / u32::MAX as f32
    }
}

fn random_images(count: usize, seed: u64) -> Array3<u8> {
    let mut rng = Lcg(seed);
    Array3::from_shape_fn((count, 28, 28), |_| (rng.next_u32() % 256) as u8)
}

/// Random softmax outputs: each row is positive and sums to 1.
fn random_probabilities(count: usize, seed: u64) -> Array2<f32> {
    let mut rng = Lcg(seed);
    let mut probabilities = Array2::from_shape_fn((count, 10), |_| (4.0 * rng.next_f32()).exp());
    for mut row in probabilities.rows_mut() {
        let sum = row.sum();
        row /= sum;
    }
    probabilities
}

fn one_bright_pixel_u8(row: usize, col: usize) -> Array2<u8> {
    let mut image = Array2::zeros((28, 28));
    image[[row, col]] = 255;
    image
}

fn decode(figure: &Figure) -> RgbImage {
    image::load_from_memory(figure.png())
        .expect("figure PNG decodes")
        .to_rgb8()
}

fn pixels_of_color(image: &RgbImage, color: RGBColor) -> Vec<(u32, u32)> {
    let RGBColor(red, green, blue) = color;
    image
        .enumerate_pixels()
        .filter(|(_, _, pixel)| pixel.0 == [red, green, blue])
        .map(|(x, y, _)| (x, y))
        .collect()
}

fn svg_color(color: RGBColor) -> String {
    format!("#{:02X}{:02X}{:02X}", color.0, color.1, color.2)
}

/// One `<text>` element of an SVG document.
#[derive(Debug)]
struct SvgText {
    x: f64,
    y: f64,
    fill: String,
    content: String,
}

fn attribute<'a>(attributes: &'a str, name: &str) -> Option<&'a str> {
    let pattern = format!("{name}=\"");
    let start = attributes
        .match_indices(&pattern)
        .find(|(index, _)| *index == 0 || attributes.as_bytes()[index - 1] == b' ')
        .map(|(index, _)| index + pattern.len())?;
    let length = attributes[start..].find('"')?;
    Some(&attributes[start..start + length])
}

fn svg_texts(svg: &str) -> Vec<SvgText> {
    svg.split("<text ")
        .skip(1)
        .map(|element| {
            let (attributes, rest) = element
                .split_once('>')
                .expect("text element closes its start tag");
            let content = rest
                .split("</text>")
                .next()
                .unwrap_or("")
                .trim()
                .to_string();
            SvgText {
                x: attribute(attributes, "x")
                    .expect("x attribute")
                    .parse()
                    .expect("numeric x"),
                y: attribute(attributes, "y")
                    .expect("y attribute")
                    .parse()
                    .expect("numeric y"),
                fill: attribute(attributes, "fill").unwrap_or("").to_string(),
                content,
            }
        })
        .collect()
}

fn find_text<'a>(texts: &'a [SvgText], content: &str) -> &'a SvgText {
    texts
        .iter()
        .find(|text| text.content == content)
        .unwrap_or_else(|| panic!("no SVG text {content:?}"))
}

fn history(epochs: usize, with_test: bool) -> History {
    History {
        epochs: (1..=epochs)
            .map(|epoch| EpochStats {
                epoch,
                loss: 0.5 / epoch as f32 + 0.25,
                accuracy: 0.80 + 0.01 * epoch as f32,
                seconds: 3.0,
                images_per_second: 20_000.0,
                test_loss: with_test.then_some(0.55 / epoch as f32 + 0.3),
                test_accuracy: with_test.then_some(0.79 + 0.008 * epoch as f32),
            })
            .collect(),
    }
}

// ---------------------------------------------------------------------------------------------
// What the reader sees
// ---------------------------------------------------------------------------------------------

#[test]
fn colorbar_image_puts_row_0_col_0_top_left() {
    let figure = image_with_colorbar(one_bright_pixel_u8(0, 0).view()).unwrap();
    let image = decode(&figure);
    let (width, height) = image.dimensions();
    // The colorbar's top is also the brightest color, so look only at the left half.
    let bright: Vec<(u32, u32)> = pixels_of_color(&image, ViridisRGB::get_color(1.0f32))
        .into_iter()
        .filter(|&(x, _)| x < width / 2)
        .collect();
    assert!(!bright.is_empty(), "the bright pixel is not drawn");
    assert!(
        bright.iter().all(|&(x, _)| x < width / 4),
        "bright pixels {bright:?} not at the left"
    );
    assert!(
        bright.iter().all(|&(_, y)| y < height / 4),
        "bright pixels {bright:?} not at the top"
    );
}

#[test]
fn colorbar_image_accepts_scaled_f32() {
    let image = one_bright_pixel_u8(0, 0).mapv(|value| f32::from(value) / 255.0);
    let figure = image_with_colorbar(image.view()).unwrap();
    let rendered = decode(&figure);
    let width = rendered.width();
    let bright: Vec<(u32, u32)> = pixels_of_color(&rendered, ViridisRGB::get_color(1.0f32))
        .into_iter()
        .filter(|&(x, _)| x < width / 2)
        .collect();
    assert!(!bright.is_empty());
    assert!(figure.to_svg().unwrap().contains("f32 pixels from 0 to 1,"));
}

#[test]
fn colorbar_labels_the_pixel_scale() {
    let u8_svg = image_with_colorbar(one_bright_pixel_u8(0, 0).view())
        .unwrap()
        .to_svg()
        .unwrap();
    let u8_texts = svg_texts(&u8_svg);
    assert!(u8_texts.iter().any(|text| text.content == "250"));
    assert!(u8_texts.iter().any(|text| text.content.contains("viridis")));

    let scaled = Array2::<f32>::zeros((28, 28));
    let f32_svg = image_with_colorbar(scaled.view())
        .unwrap()
        .to_svg()
        .unwrap();
    let f32_texts = svg_texts(&f32_svg);
    assert!(f32_texts.iter().any(|text| text.content == "1.0"));
    assert!(!f32_texts.iter().any(|text| text.content == "250"));
}

#[test]
fn grid_puts_row_0_col_0_top_left() {
    let images = one_bright_pixel_u8(0, 0).insert_axis(Axis(0));
    let labels = Array1::from_vec(vec![0u8]);
    let figure = image_grid(images.view(), labels.view(), &CLASS_NAMES, 1, 1).unwrap();
    let image = decode(&figure);
    let (width, height) = image.dimensions();
    // In the binary color map the bright pixel is black; the caption (also black) is in the lower half.
    let dark: Vec<(u32, u32)> = pixels_of_color(&image, RGBColor(0, 0, 0))
        .into_iter()
        .filter(|&(_, y)| y < height / 2)
        .collect();
    assert!(!dark.is_empty(), "the bright pixel is not drawn");
    assert!(
        dark.iter().all(|&(x, _)| x < width / 4),
        "dark pixels {dark:?} not at the left"
    );
    assert!(
        dark.iter().all(|&(_, y)| y < height / 4),
        "dark pixels {dark:?} not at the top"
    );
}

#[test]
fn panel_puts_row_0_col_0_top_left() {
    let image = one_bright_pixel_u8(0, 0);
    let probabilities = Array1::from_elem(10, 0.1f32);
    let figure = prediction_panel(image.view(), probabilities.view(), 0, &CLASS_NAMES).unwrap();
    let rendered = decode(&figure);
    let (width, height) = rendered.dimensions();
    // The image column is the left third; black there is the bright pixel, as the caption is green.
    let dark: Vec<(u32, u32)> = pixels_of_color(&rendered, RGBColor(0, 0, 0))
        .into_iter()
        .filter(|&(x, y)| x < width / 3 && y < height / 2)
        .collect();
    assert!(!dark.is_empty(), "the bright pixel is not drawn");
    assert!(
        dark.iter().all(|&(x, _)| x < width / 8),
        "dark pixels {dark:?} not at the left"
    );
    assert!(
        dark.iter().all(|&(_, y)| y < height / 4),
        "dark pixels {dark:?} not at the top"
    );
}

#[test]
fn grid_background_is_light() {
    let images = Array3::<u8>::zeros((1, 28, 28));
    let labels = Array1::from_vec(vec![0u8]);
    let figure = image_grid(images.view(), labels.view(), &CLASS_NAMES, 1, 1).unwrap();
    let image = decode(&figure);
    let center = image.get_pixel(image.width() / 2, image.height() / 3);
    assert_eq!(center.0, [255, 255, 255]);
}

#[test]
fn grid_captions_name_each_class() {
    let images = random_images(25, 1);
    let labels = Array1::from_shape_fn(25, |index| (index % 10) as u8);
    let svg = image_grid(images.view(), labels.view(), &CLASS_NAMES, 25, 5)
        .unwrap()
        .to_svg()
        .unwrap();
    let texts = svg_texts(&svg);
    for name in CLASS_NAMES {
        assert!(
            texts.iter().any(|text| text.content == name),
            "no caption {name}"
        );
    }
    let first = find_text(&texts, "T-shirt/top");
    let sixth = texts
        .iter()
        .filter(|text| text.content == "Sandal")
        .map(|text| text.y)
        .fold(f64::MAX, f64::min);
    assert!(sixth > first.y, "the sixth image is not on the second row");
}

#[test]
fn grid_svg_embeds_images_not_pixels() {
    let images = random_images(25, 2);
    let labels = Array1::from_elem(25, 3u8);
    let svg = image_grid(images.view(), labels.view(), &CLASS_NAMES, 25, 5)
        .unwrap()
        .to_svg()
        .unwrap();
    assert_eq!(svg.matches("<image ").count(), 25);
    assert_eq!(svg.matches("href=\"data:image/png;base64,").count(), 25);
    assert!(
        svg.matches("<rect").count() < 100,
        "pixels drawn as rectangles"
    );
}

#[test]
fn wrong_prediction_caption_is_red() {
    let image = one_bright_pixel_u8(5, 5);
    let mut probabilities = Array1::from_elem(10, 0.02f32);
    probabilities[3] = 0.82;
    let svg = prediction_panel(image.view(), probabilities.view(), 1, &CLASS_NAMES)
        .unwrap()
        .to_svg()
        .unwrap();
    let caption = find_text(&svg_texts(&svg), "Dress 82% (Trouser)")
        .fill
        .clone();
    assert_eq!(caption, svg_color(WRONG_COLOR));
}

#[test]
fn right_prediction_caption_is_green() {
    let image = one_bright_pixel_u8(5, 5);
    let mut probabilities = Array1::from_elem(10, 0.02f32);
    probabilities[7] = 0.82;
    let svg = prediction_panel(image.view(), probabilities.view(), 7, &CLASS_NAMES)
        .unwrap()
        .to_svg()
        .unwrap();
    let caption = find_text(&svg_texts(&svg), "Sneaker 82% (Sneaker)")
        .fill
        .clone();
    assert_eq!(caption, svg_color(CORRECT_COLOR));
}

#[test]
fn wrong_prediction_caption_is_red_in_png() {
    let image = Array2::<u8>::zeros((28, 28));
    let mut probabilities = Array1::from_elem(10, 0.02f32);
    probabilities[3] = 0.82;
    let figure = prediction_panel(image.view(), probabilities.view(), 1, &CLASS_NAMES).unwrap();
    let rendered = decode(&figure);
    let width = rendered.width();
    // The caption is the only red in the left part; the bars are at the right.
    let red_left = pixels_of_color(&rendered, WRONG_COLOR)
        .into_iter()
        .filter(|&(x, _)| x < width / 3)
        .count();
    let green_left = pixels_of_color(&rendered, CORRECT_COLOR)
        .into_iter()
        .filter(|&(x, _)| x < width / 3)
        .count();
    assert!(red_left > 0);
    assert_eq!(green_left, 0);
}

#[test]
fn bars_color_true_and_predicted_classes() {
    let mut probabilities = Array1::from_elem(10, 0.02f32);
    probabilities[3] = 0.82;
    let svg = confidence_bars(probabilities.view(), 1, &CLASS_NAMES)
        .unwrap()
        .to_svg()
        .unwrap();
    let filled = |color: RGBColor| {
        svg.matches(&format!("fill=\"{}\"", svg_color(color)))
            .count()
    };
    assert_eq!(filled(CORRECT_COLOR), 1);
    assert_eq!(filled(WRONG_COLOR), 1);
    assert_eq!(filled(BAR_COLOR), 8);
}

#[test]
fn bars_of_right_prediction_have_no_red() {
    let mut probabilities = Array1::from_elem(10, 0.02f32);
    probabilities[1] = 0.82;
    let svg = confidence_bars(probabilities.view(), 1, &CLASS_NAMES)
        .unwrap()
        .to_svg()
        .unwrap();
    assert_eq!(
        svg.matches(&format!("fill=\"{}\"", svg_color(WRONG_COLOR)))
            .count(),
        0
    );
    assert_eq!(
        svg.matches(&format!("fill=\"{}\"", svg_color(CORRECT_COLOR)))
            .count(),
        1
    );
}

#[test]
fn bars_name_classes_under_the_axis() {
    let probabilities = Array1::from_elem(10, 0.1f32);
    let svg = confidence_bars(probabilities.view(), 0, &CLASS_NAMES)
        .unwrap()
        .to_svg()
        .unwrap();
    let texts = svg_texts(&svg);
    let names: Vec<&SvgText> = CLASS_NAMES
        .iter()
        .map(|name| find_text(&texts, name))
        .collect();
    for pair in names.windows(2) {
        assert!(
            pair[1].x > pair[0].x,
            "{} is not right of {}",
            pair[1].content,
            pair[0].content
        );
    }
    let zero = find_text(&texts, "0.0");
    assert!(
        names.iter().all(|name| name.y > zero.y),
        "class names are above the axis"
    );
}

#[test]
fn confusion_counts_sit_in_their_cells() {
    // Distinct counts 1000 + 10 * true + predicted, so each text names its cell.
    let counts = Array2::from_shape_fn((10, 10), |(true_class, predicted)| {
        1000 + 10 * true_class as u64 + predicted as u64
    });
    let svg = confusion_matrix(counts.view(), &CLASS_NAMES)
        .unwrap()
        .to_svg()
        .unwrap();
    let texts = svg_texts(&svg);
    let cell = |true_class: usize, predicted: usize| {
        find_text(&texts, &counts[[true_class, predicted]].to_string())
    };
    for true_class in 0..10 {
        for predicted in 0..10 {
            let text = cell(true_class, predicted);
            assert_eq!(
                text.x,
                cell(0, predicted).x,
                "column {predicted} is not aligned"
            );
            assert_eq!(
                text.y,
                cell(true_class, 0).y,
                "row {true_class} is not aligned"
            );
            if predicted > 0 {
                assert!(
                    text.x > cell(true_class, predicted - 1).x,
                    "columns out of order"
                );
            }
            if true_class > 0 {
                assert!(
                    text.y > cell(true_class - 1, predicted).y,
                    "rows out of order"
                );
            }
        }
    }
}

#[test]
fn confusion_names_rows_and_columns() {
    let counts = Array2::from_shape_fn((10, 10), |(true_class, predicted)| {
        1000 + 10 * true_class as u64 + predicted as u64
    });
    let svg = confusion_matrix(counts.view(), &CLASS_NAMES)
        .unwrap()
        .to_svg()
        .unwrap();
    let texts = svg_texts(&svg);
    for (class, name) in CLASS_NAMES.iter().enumerate() {
        let labels: Vec<&SvgText> = texts.iter().filter(|text| text.content == *name).collect();
        assert_eq!(
            labels.len(),
            2,
            "{name} should label one row and one column"
        );
        let row_count = find_text(&texts, &counts[[class, 0]].to_string());
        let column_count = find_text(&texts, &counts[[0, class]].to_string());
        assert!(
            labels
                .iter()
                .any(|label| label.y == row_count.y && label.x < row_count.x),
            "{name} does not label row {class}"
        );
        assert!(
            labels
                .iter()
                .any(|label| label.x == column_count.x && label.y > column_count.y),
            "{name} does not label column {class}"
        );
    }
    let true_axis = find_text(&texts, "true class");
    let predicted_axis = find_text(&texts, "predicted class");
    assert!(true_axis.x < find_text(&texts, "T-shirt/top").x);
    assert!(predicted_axis.y > find_text(&texts, "1099").y);
}

#[test]
fn grid_of_real_images_names_their_labels() {
    let dataset = fashion_mnist::data::load_data().expect("Fashion-MNIST is installed");
    let figure = tutorial_image_grid(
        dataset.train_images.view(),
        dataset.train_labels.view(),
        &CLASS_NAMES,
    )
    .unwrap();
    let captions = figure.captions();
    // Labels of the first ten training images, from the Fashion-MNIST training file.
    let first_labels = [9, 0, 0, 3, 0, 2, 7, 2, 5, 5];
    let expected: Vec<&str> = first_labels
        .iter()
        .map(|&label| CLASS_NAMES[label])
        .collect();
    assert_eq!(captions.len(), 25);
    assert_eq!(captions[..10], expected[..]);
    for (index, caption) in captions.iter().enumerate() {
        let label = usize::from(dataset.train_labels[index]);
        assert_eq!(caption, CLASS_NAMES[label], "caption of image {index}");
    }

    // The SVG draws the same captions, in reading order: left to right, then top to bottom.
    let svg = figure.to_svg().unwrap();
    let mut drawn: Vec<SvgText> = svg_texts(&svg);
    drawn.sort_by(|a, b| a.y.total_cmp(&b.y).then(a.x.total_cmp(&b.x)));
    let drawn: Vec<String> = drawn.into_iter().map(|text| text.content).collect();
    assert_eq!(drawn, captions);
}

#[test]
fn prediction_grid_captions_follow_images() {
    let images = random_images(4, 30);
    let mut probabilities = Array2::from_elem((4, 10), 0.02f32);
    for (row, class) in [3usize, 7, 1, 9].into_iter().enumerate() {
        probabilities[[row, class]] = 0.82;
    }
    let labels = Array1::from_vec(vec![3u8, 2, 1, 9]);
    let figure = prediction_grid(
        images.view(),
        probabilities.view(),
        labels.view(),
        &CLASS_NAMES,
        4,
        2,
    )
    .unwrap();
    assert_eq!(
        figure.captions(),
        [
            "Dress 82% (Dress)",
            "Sneaker 82% (Pullover)",
            "Trouser 82% (Trouser)",
            "Ankle boot 82% (Ankle boot)"
        ]
    );
}

#[test]
fn tutorial_grids_use_default_layout() {
    let images = random_images(25, 31);
    let labels = Array1::from_shape_fn(25, |index| (index % 10) as u8);
    let default = tutorial_image_grid(images.view(), labels.view(), &CLASS_NAMES).unwrap();
    let explicit = image_grid(images.view(), labels.view(), &CLASS_NAMES, 25, 5).unwrap();
    assert_eq!((GRID_COUNT, GRID_COLUMNS), (25, 5));
    assert_eq!(default.size(), explicit.size());
    assert_eq!(default.captions().len(), 25);

    let probabilities = random_probabilities(25, 32);
    let default = tutorial_prediction_grid(
        images.view(),
        probabilities.view(),
        labels.view(),
        &CLASS_NAMES,
    )
    .unwrap();
    let explicit = prediction_grid(
        images.view(),
        probabilities.view(),
        labels.view(),
        &CLASS_NAMES,
        15,
        3,
    )
    .unwrap();
    assert_eq!((PREDICTION_GRID_COUNT, PREDICTION_GRID_COLUMNS), (15, 3));
    assert_eq!(default.size(), explicit.size());
    assert_eq!(default.captions().len(), 15);
}

#[test]
fn bars_have_title_and_axis_label() {
    let mut probabilities = Array1::from_elem(10, 0.02f32);
    probabilities[3] = 0.82;
    let svg = confidence_bars(probabilities.view(), 1, &CLASS_NAMES)
        .unwrap()
        .to_svg()
        .unwrap();
    let texts = svg_texts(&svg);
    let title = find_text(&texts, "predicted Dress 82%, true class Trouser");
    let axis = find_text(&texts, "probability");
    let one = find_text(&texts, "1.0");
    assert!(title.y < one.y, "the title is not above the chart");
    assert!(axis.x < one.x, "the y-axis label is not left of the ticks");
}

#[test]
fn confusion_of_known_predictions_fills_cells() {
    // Three classes; the (true, predicted) pairs give the counts
    //   true 0: predicted 0 twice, 2 once
    //   true 1: predicted 1 once
    //   true 2: predicted 0 three times, 2 once
    let true_labels = Array1::from_vec(vec![0u8, 0, 0, 1, 2, 2, 2, 2]);
    let predicted = Array1::from_vec(vec![0u8, 0, 2, 1, 0, 0, 0, 2]);
    let counts = confusion_counts(true_labels.view(), predicted.view(), 3).unwrap();
    let expected = [[2u64, 0, 1], [0, 1, 0], [3, 0, 1]];
    let names = ["T-shirt/top", "Trouser", "Pullover"];
    let svg = confusion_matrix(counts.view(), &names)
        .unwrap()
        .to_svg()
        .unwrap();
    let texts = svg_texts(&svg);

    // Each name labels a row (left of the matrix) and a column (under it).
    let row_y = |name: &str| {
        texts
            .iter()
            .filter(|text| text.content == name)
            .map(|text| text.y)
            .fold(f64::MAX, f64::min)
    };
    let column_x = |name: &str| {
        texts
            .iter()
            .filter(|text| text.content == name)
            .map(|text| text.x)
            .fold(f64::MIN, f64::max)
    };
    for (true_class, row) in expected.iter().enumerate() {
        for (predicted_class, &count) in row.iter().enumerate() {
            let (x, y) = (column_x(names[predicted_class]), row_y(names[true_class]));
            let cell = texts
                .iter()
                .find(|text| text.x == x && text.y == y)
                .unwrap_or_else(|| panic!("no count in cell ({true_class}, {predicted_class})"));
            assert_eq!(
                cell.content,
                count.to_string(),
                "cell of true class {true_class}, predicted class {predicted_class}"
            );
        }
    }
    let title = texts
        .iter()
        .find(|text| text.content.contains("row = true class"))
        .expect("a title that says how to read the matrix");
    assert!(title.content.contains("column = predicted class"));
    assert!(title.content.starts_with("8 images"));
}

/// Probabilities of six images over 10 classes and their labels: images 1, 3 and 4 are
/// wrong with confidences 0.6, 0.9 and 0.75; the others are right.
fn mistakes_fixture() -> (Array2<f32>, Array1<u8>) {
    let predictions = [
        (0usize, 0.9f32),
        (5, 0.6),
        (2, 0.8),
        (7, 0.9),
        (8, 0.75),
        (9, 0.5),
    ];
    let mut probabilities = Array2::zeros((6, 10));
    for (row, &(class, confidence)) in predictions.iter().enumerate() {
        probabilities.row_mut(row).fill((1.0 - confidence) / 9.0);
        probabilities[[row, class]] = confidence;
    }
    let labels = Array1::from_vec(vec![0u8, 6, 2, 9, 1, 9]);
    (probabilities, labels)
}

#[test]
fn mistakes_show_most_confident_first() {
    let images = random_images(6, 33);
    let (probabilities, labels) = mistakes_fixture();
    let figure = confident_mistakes(
        images.view(),
        probabilities.view(),
        labels.view(),
        &CLASS_NAMES,
        2,
    )
    .unwrap();
    assert_eq!(
        figure.captions(),
        [
            "Sneaker 90%\ntrue: Ankle boot\nimage 3",
            "Bag 75%\ntrue: Trouser\nimage 4"
        ]
    );
    let svg = figure.to_svg().unwrap();
    let texts = svg_texts(&svg);
    assert_eq!(
        find_text(&texts, "Sneaker 90%").fill,
        svg_color(WRONG_COLOR)
    );
    assert_eq!(
        find_text(&texts, "true: Ankle boot").fill,
        svg_color(WRONG_COLOR)
    );
    assert!(texts.iter().any(|text| text
        .content
        .starts_with("2 most confident of 3 wrong predictions")));
}

#[test]
fn mistakes_show_all_when_fewer_than_count() {
    let images = random_images(6, 34);
    let (probabilities, labels) = mistakes_fixture();
    let figure = confident_mistakes(
        images.view(),
        probabilities.view(),
        labels.view(),
        &CLASS_NAMES,
        25,
    )
    .unwrap();
    let captions = figure.captions();
    assert_eq!(captions.len(), 3);
    assert!(captions[2].ends_with("image 1"), "{captions:?}");
}

#[test]
fn mistakes_reject_all_right() {
    let images = random_images(6, 35);
    let (probabilities, _) = mistakes_fixture();
    let labels = Array1::from_vec(vec![0u8, 5, 2, 7, 8, 9]);
    let error = confident_mistakes(
        images.view(),
        probabilities.view(),
        labels.view(),
        &CLASS_NAMES,
        5,
    )
    .unwrap_err();
    assert!(matches!(error, Error::InvalidArgument { .. }), "{error:?}");
}

#[test]
fn mistakes_reject_bad_inputs() {
    let images = random_images(6, 36);
    let (probabilities, labels) = mistakes_fixture();
    let call = |probabilities: &Array2<f32>, labels: &Array1<u8>, count: usize| {
        confident_mistakes(
            images.view(),
            probabilities.view(),
            labels.view(),
            &CLASS_NAMES,
            count,
        )
    };
    assert!(matches!(
        call(&probabilities, &labels, 0),
        Err(Error::InvalidArgument { .. })
    ));

    let mut nan = probabilities.clone();
    nan[[2, 4]] = f32::NAN;
    let error = call(&nan, &labels, 5).unwrap_err();
    assert!(error.to_string().contains("probabilities[2, 4]"), "{error}");

    let short_labels = Array1::from_vec(vec![0u8; 5]);
    assert!(matches!(
        call(&probabilities, &short_labels, 5),
        Err(Error::Shape { .. })
    ));

    let narrow = probabilities.slice(ndarray::s![.., ..9]).to_owned();
    assert!(matches!(
        call(&narrow, &labels, 5),
        Err(Error::Shape { .. })
    ));

    let mut bad_label = labels.clone();
    bad_label[5] = 10;
    let error = call(&probabilities, &bad_label, 5).unwrap_err();
    assert!(error.to_string().contains("labels[5]"), "{error}");

    let no_images = Array3::<u8>::zeros((0, 28, 28));
    let result = confident_mistakes(
        no_images.view(),
        Array2::<f32>::zeros((0, 10)).view(),
        Array1::<u8>::zeros(0).view(),
        &CLASS_NAMES,
        5,
    );
    assert!(matches!(result, Err(Error::InvalidArgument { .. })));
}

#[test]
fn png_text_matches_svg_text() {
    // The PNG's text is drawn from the SVG's: a red caption in the SVG is red ink in the PNG,
    // in the same part of the figure.
    let image = Array2::<u8>::zeros((28, 28));
    let mut probabilities = Array1::from_elem(10, 0.02f32);
    probabilities[3] = 0.82;
    let figure = prediction_panel(image.view(), probabilities.view(), 1, &CLASS_NAMES).unwrap();
    let texts = svg_texts(&figure.to_svg().unwrap());
    let caption = find_text(&texts, "Dress 82% (Trouser)");
    let red = pixels_of_color(&decode(&figure), WRONG_COLOR);
    let red_caption: Vec<&(u32, u32)> = red
        .iter()
        .filter(|&&(x, y)| {
            (f64::from(y) - caption.y).abs() < 20.0 && f64::from(x) < 2.0 * caption.x
        })
        .collect();
    assert!(
        !red_caption.is_empty(),
        "no red caption ink near the SVG caption"
    );
    let top = red_caption.iter().map(|&&(_, y)| y).min().unwrap();
    assert!(
        f64::from(top) >= caption.y - 1.0,
        "caption ink starts at row {top}, above its anchor row {}",
        caption.y
    );
}

#[test]
fn curves_show_test_when_present() {
    let with_test = training_curves(&history(5, true))
        .unwrap()
        .to_svg()
        .unwrap();
    let texts = svg_texts(&with_test);
    assert!(texts.iter().any(|text| text.content == "train"));
    assert!(texts.iter().any(|text| text.content == "test"));
    assert!(texts.iter().any(|text| text.content == "loss"));
    assert!(texts.iter().any(|text| text.content == "accuracy"));

    let without_test = training_curves(&history(5, false))
        .unwrap()
        .to_svg()
        .unwrap();
    assert!(!svg_texts(&without_test)
        .iter()
        .any(|text| text.content == "test"));
}

#[test]
fn curves_draw_single_epoch() {
    assert!(training_curves(&history(1, true)).is_ok());
}

#[test]
fn class_means_average_each_class() {
    // Class 0: one black and one white image, mean grey; class 1: white.
    let mut images = Array3::<u8>::zeros((3, 28, 28));
    images.index_axis_mut(Axis(0), 1).fill(255);
    images.index_axis_mut(Axis(0), 2).fill(255);
    let labels = Array1::from_vec(vec![0u8, 0, 1]);
    let figure = class_mean_images(images.view(), labels.view(), &CLASS_NAMES[..2]).unwrap();
    let texts = svg_texts(&figure.to_svg().unwrap());
    assert!(texts.iter().any(|text| text.content == "T-shirt/top, n=2"));
    assert!(texts.iter().any(|text| text.content == "Trouser, n=1"));
    // The binary color map draws intensity 0.5 as grey 128 and 1 as black.
    let rendered = decode(&figure);
    assert!(!pixels_of_color(&rendered, RGBColor(128, 128, 128)).is_empty());
}

#[test]
fn histogram_draws_u8_and_f32() {
    let images = random_images(3, 4);
    assert!(pixel_histogram(images.view()).is_ok());
    let scaled = images.mapv(|value| f32::from(value) / 255.0);
    let svg = pixel_histogram(scaled.view()).unwrap().to_svg().unwrap();
    assert!(svg.contains("pixel values of 3 images (f32, 0 to 1)"));
}

// ---------------------------------------------------------------------------------------------
// Output: evcxr message, sizes, files
// ---------------------------------------------------------------------------------------------

#[test]
fn evcxr_message_wraps_base64_png() {
    use base64::Engine;
    let figure = image_with_colorbar(one_bright_pixel_u8(3, 3).view()).unwrap();
    let message = figure.evcxr_message();
    let body = message
        .strip_prefix("EVCXR_BEGIN_CONTENT image/png\n")
        .expect("message starts with the begin line")
        .strip_suffix("\nEVCXR_END_CONTENT\n")
        .expect("message ends with the end line");
    let decoded = base64::engine::general_purpose::STANDARD
        .decode(body)
        .unwrap();
    assert_eq!(decoded, figure.png());
}

#[test]
fn grid_of_25_random_images_stays_small() {
    let images = random_images(25, 5);
    let labels = Array1::from_shape_fn(25, |index| (index % 10) as u8);
    let figure = image_grid(images.view(), labels.view(), &CLASS_NAMES, 25, 5).unwrap();
    let length = figure.evcxr_message().len();
    assert!(length < GRID_MESSAGE_LIMIT, "message of {length} bytes");
}

#[test]
fn prediction_grid_of_15_stays_small() {
    let images = random_images(15, 6);
    let probabilities = random_probabilities(15, 7);
    let labels = Array1::from_shape_fn(15, |index| (index % 10) as u8);
    let figure = prediction_grid(
        images.view(),
        probabilities.view(),
        labels.view(),
        &CLASS_NAMES,
        15,
        3,
    )
    .unwrap();
    let length = figure.evcxr_message().len();
    assert!(
        length < PREDICTION_GRID_MESSAGE_LIMIT,
        "message of {length} bytes"
    );
}

#[test]
fn prediction_grid_lays_out_rows_of_columns() {
    let images = random_images(15, 8);
    let probabilities = random_probabilities(15, 9);
    let labels = Array1::from_elem(15, 0u8);
    let wide = prediction_grid(
        images.view(),
        probabilities.view(),
        labels.view(),
        &CLASS_NAMES,
        15,
        3,
    )
    .unwrap();
    let tall = prediction_grid(
        images.view(),
        probabilities.view(),
        labels.view(),
        &CLASS_NAMES,
        15,
        1,
    )
    .unwrap();
    let (wide_width, wide_height) = wide.size();
    let (tall_width, tall_height) = tall.size();
    assert_eq!(wide_width, 3 * tall_width);
    assert_eq!(tall_height, 3 * wide_height);
}

#[test]
fn save_writes_png_and_svg() {
    let dir = std::path::Path::new(env!("CARGO_TARGET_TMPDIR"));
    let figure = image_with_colorbar(one_bright_pixel_u8(0, 0).view()).unwrap();

    let png_path = dir.join("plot_save_test.png");
    figure.save(&png_path).unwrap();
    let png = image::open(&png_path).unwrap();
    assert_eq!((png.width(), png.height()), figure.size());

    let svg_path = dir.join("plot_save_test.SVG");
    figure.save(&svg_path).unwrap();
    let svg = std::fs::read_to_string(&svg_path).unwrap();
    assert!(svg.starts_with("<svg"));
    assert!(svg.trim_end().ends_with("</svg>"));
}

#[test]
fn save_rejects_jpg() {
    let dir = std::path::Path::new(env!("CARGO_TARGET_TMPDIR"));
    let path = dir.join("plot_save_test.jpg");
    let figure = image_with_colorbar(one_bright_pixel_u8(0, 0).view()).unwrap();
    let error = figure.save(&path).unwrap_err();
    assert!(matches!(error, Error::InvalidArgument { .. }), "{error:?}");
    assert!(error.to_string().contains("plot_save_test.jpg"), "{error}");
    assert!(!path.exists());
}

#[test]
fn save_rejects_missing_extension() {
    let dir = std::path::Path::new(env!("CARGO_TARGET_TMPDIR"));
    let figure = image_with_colorbar(one_bright_pixel_u8(0, 0).view()).unwrap();
    let error = figure.save(dir.join("plot_save_test")).unwrap_err();
    assert!(matches!(error, Error::InvalidArgument { .. }), "{error:?}");
}

// ---------------------------------------------------------------------------------------------
// Input errors
// ---------------------------------------------------------------------------------------------

#[test]
fn empty_image_is_shape_error() {
    let image = Array2::<u8>::zeros((0, 28));
    assert!(matches!(
        image_with_colorbar(image.view()),
        Err(Error::Shape { .. })
    ));
}

#[test]
fn nan_pixel_is_rejected() {
    let mut image = Array2::<f32>::zeros((28, 28));
    image[[4, 7]] = f32::NAN;
    let error = image_with_colorbar(image.view()).unwrap_err();
    assert!(matches!(error, Error::InvalidArgument { .. }), "{error:?}");
    assert!(error.to_string().contains("(4, 7)"), "{error}");
}

#[test]
fn negative_pixel_is_rejected() {
    let mut image = Array2::<f32>::zeros((28, 28));
    image[[0, 0]] = -0.5;
    assert!(matches!(
        image_with_colorbar(image.view()),
        Err(Error::InvalidArgument { .. })
    ));
}

#[test]
fn unscaled_f32_pixels_are_not_scaled_error() {
    let image = Array2::<f32>::from_elem((28, 28), 200.0);
    let error = image_with_colorbar(image.view()).unwrap_err();
    assert!(
        matches!(error, Error::NotScaled { max, .. } if max == 200.0),
        "{error:?}"
    );
}

#[test]
fn grid_rejects_empty_images() {
    let images = Array3::<u8>::zeros((0, 28, 28));
    let labels = Array1::<u8>::zeros(0);
    assert!(matches!(
        image_grid(images.view(), labels.view(), &CLASS_NAMES, 1, 1),
        Err(Error::InvalidArgument { .. })
    ));
}

#[test]
fn grid_rejects_count_above_images() {
    let images = random_images(3, 10);
    let labels = Array1::<u8>::zeros(3);
    let error = image_grid(images.view(), labels.view(), &CLASS_NAMES, 4, 2).unwrap_err();
    assert!(matches!(error, Error::InvalidArgument { .. }), "{error:?}");
}

#[test]
fn grid_rejects_zero_count_and_columns() {
    let images = random_images(3, 11);
    let labels = Array1::<u8>::zeros(3);
    assert!(matches!(
        image_grid(images.view(), labels.view(), &CLASS_NAMES, 0, 2),
        Err(Error::InvalidArgument { .. })
    ));
    assert!(matches!(
        image_grid(images.view(), labels.view(), &CLASS_NAMES, 2, 0),
        Err(Error::InvalidArgument { .. })
    ));
}

#[test]
fn grid_rejects_mismatched_labels() {
    let images = random_images(3, 12);
    let labels = Array1::<u8>::zeros(2);
    assert!(matches!(
        image_grid(images.view(), labels.view(), &CLASS_NAMES, 2, 2),
        Err(Error::Shape { .. })
    ));
}

#[test]
fn grid_rejects_label_without_class_name() {
    let images = random_images(3, 13);
    let labels = Array1::from_vec(vec![0u8, 10, 1]);
    let error = image_grid(images.view(), labels.view(), &CLASS_NAMES, 3, 3).unwrap_err();
    assert!(matches!(error, Error::InvalidArgument { .. }), "{error:?}");
    assert!(error.to_string().contains("labels[1]"), "{error}");
}

#[test]
fn grid_rejects_empty_class_names() {
    let images = random_images(1, 14);
    let labels = Array1::<u8>::zeros(1);
    let no_names: [&str; 0] = [];
    assert!(matches!(
        image_grid(images.view(), labels.view(), &no_names, 1, 1),
        Err(Error::InvalidArgument { .. })
    ));
}

#[test]
fn grid_accepts_owned_class_names() {
    let images = random_images(2, 15);
    let labels = Array1::<u8>::zeros(2);
    let names: Vec<String> = CLASS_NAMES.iter().map(|name| name.to_string()).collect();
    assert!(image_grid(images.view(), labels.view(), &names, 2, 2).is_ok());
}

#[test]
fn bars_reject_mismatched_lengths() {
    let probabilities = Array1::from_elem(9, 0.1f32);
    assert!(matches!(
        confidence_bars(probabilities.view(), 0, &CLASS_NAMES),
        Err(Error::Shape { .. })
    ));
}

#[test]
fn bars_reject_nan_probability() {
    let mut probabilities = Array1::from_elem(10, 0.1f32);
    probabilities[2] = f32::NAN;
    assert!(matches!(
        confidence_bars(probabilities.view(), 0, &CLASS_NAMES),
        Err(Error::InvalidArgument { .. })
    ));
}

#[test]
fn bars_reject_logits() {
    let mut probabilities = Array1::from_elem(10, 0.1f32);
    probabilities[2] = 3.5;
    assert!(matches!(
        confidence_bars(probabilities.view(), 0, &CLASS_NAMES),
        Err(Error::InvalidArgument { .. })
    ));
}

#[test]
fn bars_reject_true_label_out_of_range() {
    let probabilities = Array1::from_elem(10, 0.1f32);
    assert!(matches!(
        confidence_bars(probabilities.view(), 10, &CLASS_NAMES),
        Err(Error::InvalidArgument { .. })
    ));
}

#[test]
fn prediction_grid_rejects_probability_shape() {
    let images = random_images(4, 16);
    let probabilities = random_probabilities(3, 17);
    let labels = Array1::<u8>::zeros(4);
    let result = prediction_grid(
        images.view(),
        probabilities.view(),
        labels.view(),
        &CLASS_NAMES,
        2,
        2,
    );
    assert!(matches!(result, Err(Error::Shape { .. })));
}

#[test]
fn prediction_grid_rejects_count_above_images() {
    let images = random_images(4, 18);
    let probabilities = random_probabilities(4, 19);
    let labels = Array1::<u8>::zeros(4);
    let result = prediction_grid(
        images.view(),
        probabilities.view(),
        labels.view(),
        &CLASS_NAMES,
        5,
        2,
    );
    assert!(matches!(result, Err(Error::InvalidArgument { .. })));
}

#[test]
fn confusion_rejects_non_square_counts() {
    let counts = Array2::<u64>::zeros((10, 9));
    assert!(matches!(
        confusion_matrix(counts.view(), &CLASS_NAMES),
        Err(Error::Shape { .. })
    ));
}

#[test]
fn confusion_rejects_count_class_mismatch() {
    let counts = Array2::<u64>::zeros((3, 3));
    assert!(matches!(
        confusion_matrix(counts.view(), &CLASS_NAMES),
        Err(Error::Shape { .. })
    ));
}

#[test]
fn confusion_of_zeros_draws() {
    let counts = Array2::<u64>::zeros((10, 10));
    assert!(confusion_matrix(counts.view(), &CLASS_NAMES).is_ok());
}

#[test]
fn curves_reject_empty_history() {
    assert!(matches!(
        training_curves(&History::default()),
        Err(Error::InvalidArgument { .. })
    ));
}

#[test]
fn curves_reject_nan_loss() {
    let mut bad = history(3, true);
    bad.epochs[1].loss = f32::NAN;
    let error = training_curves(&bad).unwrap_err();
    assert!(matches!(error, Error::InvalidArgument { .. }), "{error:?}");
    assert!(error.to_string().contains("epoch 2"), "{error}");
}

#[test]
fn class_means_reject_label_out_of_range() {
    let images = random_images(2, 20);
    let labels = Array1::from_vec(vec![0u8, 2]);
    let result = class_mean_images(images.view(), labels.view(), &CLASS_NAMES[..2]);
    assert!(matches!(result, Err(Error::InvalidArgument { .. })));
}

#[test]
fn histogram_rejects_empty_images() {
    let images = Array3::<u8>::zeros((0, 28, 28));
    assert!(matches!(
        pixel_histogram(images.view()),
        Err(Error::InvalidArgument { .. })
    ));
}

#[test]
fn histogram_rejects_nan_pixel() {
    let mut images = Array3::<f32>::zeros((2, 28, 28));
    images[[1, 3, 3]] = f32::NAN;
    let error = pixel_histogram(images.view()).unwrap_err();
    assert!(error.to_string().contains("images[1]"), "{error}");
}

#[test]
fn curves_reject_accuracy_above_one() {
    let mut bad = history(3, true);
    bad.epochs[2].test_accuracy = Some(88.0);
    let error = training_curves(&bad).unwrap_err();
    assert!(matches!(error, Error::InvalidArgument { .. }), "{error:?}");
    assert!(
        error.to_string().contains("test_accuracy of epoch 3"),
        "{error}"
    );
}

#[test]
fn curves_reject_epoch_zero() {
    let mut bad = history(2, false);
    bad.epochs[0].epoch = 0;
    assert!(matches!(
        training_curves(&bad),
        Err(Error::InvalidArgument { .. })
    ));
}

#[test]
fn confusion_cells_widen_for_large_counts() {
    let mut counts = Array2::<u64>::zeros((10, 10));
    counts[[0, 0]] = 123_456_789_012;
    let small = confusion_matrix(Array2::<u64>::zeros((10, 10)).view(), &CLASS_NAMES).unwrap();
    let large = confusion_matrix(counts.view(), &CLASS_NAMES).unwrap();
    assert!(large.size().0 > small.size().0);
}
