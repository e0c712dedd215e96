//! Training curves: loss and accuracy per epoch.

use super::*;

/// Draws the loss and the accuracy per epoch as two charts side by side, with the test
/// curves when the history has test values.
///
/// Accuracies are fractions in [0, 1]. Epochs without a test value are skipped on the test curve.
///
/// # Errors
/// [`Error::InvalidArgument`] for an empty history, an epoch number of 0 or above
/// [`MAX_EPOCH`], a loss that is NaN or infinite, or an accuracy outside [0, 1].
pub fn training_curves(history: &History) -> Result<Figure> {
    if history.epochs.is_empty() {
        return Err(Error::InvalidArgument {
            what: "history".to_string(),
            expected: "at least one epoch".to_string(),
            found: "no epochs".to_string(),
        });
    }
    for stats in &history.epochs {
        check_epoch_stats(stats)?;
    }
    Figure::new(Content::TrainingCurves(history.epochs.clone()))
}

fn check_epoch_stats(stats: &EpochStats) -> Result<()> {
    if !(1..=MAX_EPOCH).contains(&stats.epoch) {
        return Err(Error::InvalidArgument {
            what: "epoch number".to_string(),
            expected: format!("1 to {MAX_EPOCH}"),
            found: stats.epoch.to_string(),
        });
    }
    let losses = [("loss", Some(stats.loss)), ("test_loss", stats.test_loss)];
    for (name, loss) in losses {
        if let Some(loss) = loss.filter(|loss| !loss.is_finite()) {
            return Err(Error::InvalidArgument {
                what: format!("{name} of epoch {}", stats.epoch),
                expected: "a finite number".to_string(),
                found: loss.to_string(),
            });
        }
    }
    let accuracies = [
        ("accuracy", Some(stats.accuracy)),
        ("test_accuracy", stats.test_accuracy),
    ];
    for (name, accuracy) in accuracies {
        if let Some(accuracy) = accuracy.filter(|accuracy| !(0.0..=1.0).contains(accuracy)) {
            return Err(Error::InvalidArgument {
                what: format!("{name} of epoch {}", stats.epoch),
                expected: "a fraction in [0, 1]".to_string(),
                found: accuracy.to_string(),
            });
        }
    }
    Ok(())
}

/// One chart of [`training_curves`]: a metric's train and test values per epoch.
struct CurveChart<'a> {
    title: &'a str,
    train: Vec<(i32, f32)>,
    test: Vec<(i32, f32)>,
    y_range: Range<f32>,
    legend_position: SeriesLabelPosition,
}

pub(super) fn draw_training_curves<DB: Canvas>(
    root: &Area<DB>,
    epochs: &[EpochStats],
) -> Result<()> {
    let epoch_number = |stats: &EpochStats| i32::try_from(stats.epoch).unwrap_or(i32::MAX);
    let series = |value: fn(&EpochStats) -> Option<f32>| -> Vec<(i32, f32)> {
        epochs
            .iter()
            .filter_map(|stats| value(stats).map(|value| (epoch_number(stats), value)))
            .collect()
    };
    let last_epoch = epochs.iter().map(epoch_number).max().unwrap_or(1);

    let loss_train = series(|stats| Some(stats.loss));
    let loss_test = series(|stats| stats.test_loss);
    let losses = || loss_train.iter().chain(&loss_test).map(|&(_, loss)| loss);
    let lowest_loss = losses().fold(0.0f32, f32::min);
    let highest_loss = losses().fold(0.0f32, f32::max);
    let loss = CurveChart {
        title: "loss",
        y_range: lowest_loss * 1.1..(highest_loss * 1.1).max(lowest_loss * 1.1 + 1e-3),
        train: loss_train,
        test: loss_test,
        legend_position: SeriesLabelPosition::UpperRight,
    };

    let accuracy_train = series(|stats| Some(stats.accuracy));
    let accuracy_test = series(|stats| stats.test_accuracy);
    let accuracies = || {
        accuracy_train
            .iter()
            .chain(&accuracy_test)
            .map(|&(_, accuracy)| accuracy)
    };
    let lowest = accuracies().fold(1.0f32, f32::min);
    let highest = accuracies().fold(0.0f32, f32::max);
    let y_low = (lowest - 0.05).max(0.0);
    let y_high = (highest + 0.05).min(1.0).max(y_low + 0.01);
    let accuracy = CurveChart {
        title: "accuracy",
        train: accuracy_train,
        test: accuracy_test,
        y_range: y_low..y_high,
        legend_position: SeriesLabelPosition::LowerRight,
    };

    let (left, right) = root.split_horizontally(CURVE_CHART_SIZE.0);
    draw_curve_chart(&left, &loss, last_epoch)?;
    draw_curve_chart(&right, &accuracy, last_epoch)
}

fn draw_curve_chart<DB: Canvas>(
    area: &Area<DB>,
    curves: &CurveChart,
    last_epoch: i32,
) -> Result<()> {
    let label_style = text_style::<DB>(SMALL_TEXT_SIZE, BLACK);
    let mut chart = ChartBuilder::on(area)
        .caption(curves.title, text_style::<DB>(TITLE_SIZE, BLACK))
        .margin(PAD)
        .x_label_area_size(4 * PAD)
        .y_label_area_size(6 * PAD)
        .build_cartesian_2d(0..last_epoch.saturating_add(1), curves.y_range.clone())
        .map_err(plot_error)?;
    let epoch_label = |epoch: &i32| {
        if (1..=last_epoch).contains(epoch) {
            epoch.to_string()
        } else {
            String::new()
        }
    };
    chart
        .configure_mesh()
        .light_line_style(TRANSPARENT)
        .x_desc("epoch")
        .x_labels((last_epoch as usize + 2).min(12))
        .x_label_formatter(&epoch_label)
        .y_labels(6)
        .y_label_formatter(&|value| format!("{value:.2}"))
        .label_style(label_style.clone())
        .axis_desc_style(text_style::<DB>(SMALL_TEXT_SIZE, BLACK))
        .draw()
        .map_err(plot_error)?;

    for (name, points, color) in [
        ("train", &curves.train, TRAIN_COLOR),
        ("test", &curves.test, TEST_COLOR),
    ] {
        if points.is_empty() {
            continue;
        }
        chart
            .draw_series(LineSeries::new(
                points.iter().copied(),
                color.stroke_width(2),
            ))
            .map_err(plot_error)?
            .label(name)
            .legend(move |(x, y)| PathElement::new([(x, y), (x + 20, y)], color.stroke_width(2)));
        chart
            .draw_series(
                points
                    .iter()
                    .map(|&point| Circle::new(point, 3, color.filled())),
            )
            .map_err(plot_error)?;
    }
    chart
        .configure_series_labels()
        .position(curves.legend_position.clone())
        .label_font(label_style)
        .background_style(WHITE.mix(0.8))
        .border_style(BLACK)
        .draw()
        .map_err(plot_error)
}
