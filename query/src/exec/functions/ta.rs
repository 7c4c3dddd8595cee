//! The technical-analysis transformations of InfluxDB 1.8 (`exponential_moving_average`,
//! `double_/triple_exponential_moving_average`, `relative_strength_index`,
//! `triple_exponential_derivative`, `kaufmans_efficiency_ratio`,
//! `kaufmans_adaptive_moving_average`, `chande_momentum_oscillator`).
//!
//! Not implemented yet: the calls validate (with InfluxDB's texts) but evaluating one answers
//! `… is not supported yet`.

use super::TransformCall;
use super::call::transform_name;
use crate::exec::error::ExecError;

pub(super) fn apply(
    call: &TransformCall,
    _series: &[(i64, f64)],
) -> Result<Vec<(i64, f64)>, ExecError> {
    Err(ExecError::Unsupported(format!(
        "{}()",
        transform_name(call.func)
    )))
}
