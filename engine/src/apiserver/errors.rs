//! API errors, carrying the HTTP status and reason the real API server
//! returns, and worded as kubectl prints them.

use std::fmt;

#[derive(Clone, Copy, Debug, PartialEq, Eq, serde::Serialize)]
pub enum StatusReason {
    BadRequest,
    Forbidden,
    NotFound,
    AlreadyExists,
    Conflict,
    Invalid,
}

impl StatusReason {
    pub fn code(self) -> u16 {
        match self {
            StatusReason::BadRequest => 400,
            StatusReason::Forbidden => 403,
            StatusReason::NotFound => 404,
            StatusReason::AlreadyExists | StatusReason::Conflict => 409,
            StatusReason::Invalid => 422,
        }
    }
}

/// A refused request. `message` is the API server's Status message.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ApiError {
    pub reason: StatusReason,
    pub message: String,
    /// The field the error is about (`spec.replicas`), so a manifest error can point at its line.
    pub field: Option<String>,
    /// Each failed rule of an Invalid error.
    pub causes: Vec<FieldError>,
}

impl ApiError {
    pub fn new(reason: StatusReason, message: impl Into<String>) -> Self {
        ApiError {
            reason,
            message: message.into(),
            field: None,
            causes: Vec::new(),
        }
    }

    pub fn at_field(mut self, field: impl Into<String>) -> Self {
        self.field = Some(field.into());
        self
    }

    /// `pods "web" not found`
    pub fn not_found(qualified_plural: &str, name: &str) -> Self {
        ApiError::new(
            StatusReason::NotFound,
            format!("{qualified_plural} \"{name}\" not found"),
        )
    }

    /// `deployments.apps "web" already exists`
    pub fn already_exists(qualified_plural: &str, name: &str) -> Self {
        ApiError::new(
            StatusReason::AlreadyExists,
            format!("{qualified_plural} \"{name}\" already exists"),
        )
    }

    /// kubectl's rendering: `Error from server (NotFound): pods "web" not found`.
    /// Invalid errors print as they are (`The Deployment "web" is invalid: ...`).
    pub fn kubectl_message(&self) -> String {
        match self.reason {
            StatusReason::Invalid => self.invalid_message(),
            reason => format!("Error from server ({reason:?}): {}", self.message),
        }
    }

    /// kubectl lists several causes one per line under the header.
    fn invalid_message(&self) -> String {
        if self.causes.len() <= 1 {
            return self.message.clone();
        }
        let header = self
            .message
            .split(" is invalid: ")
            .next()
            .unwrap_or(&self.message);
        let mut text = format!("{header} is invalid: ");
        for cause in &self.causes {
            text.push_str(&format!("\n* {}: {}", cause.field, cause.detail));
        }
        text
    }

    /// kubectl's rendering of an error for an object of a file it applies.
    pub fn kubectl_apply_message(&self, verb: &str, source: &str) -> String {
        match self.reason {
            StatusReason::Invalid => self.invalid_message(),
            reason => format!(
                "Error from server ({reason:?}): error when {verb} \"{source}\": {}",
                self.message
            ),
        }
    }
}

impl fmt::Display for ApiError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.kubectl_message())
    }
}

impl std::error::Error for ApiError {}

/// One failed validation rule, as field.Error renders it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct FieldError {
    pub field: String,
    /// `Invalid value: "x": must be ...`, `Required value`, `Duplicate value: "web"`.
    pub detail: String,
}

impl FieldError {
    pub fn required(field: impl Into<String>, detail: &str) -> Self {
        let detail = if detail.is_empty() {
            "Required value".to_string()
        } else {
            format!("Required value: {detail}")
        };
        FieldError {
            field: field.into(),
            detail,
        }
    }

    pub fn invalid(field: impl Into<String>, value: impl fmt::Display, detail: &str) -> Self {
        FieldError {
            field: field.into(),
            detail: format!("Invalid value: {value}: {detail}"),
        }
    }

    pub fn duplicate(field: impl Into<String>, value: impl fmt::Display) -> Self {
        FieldError {
            field: field.into(),
            detail: format!("Duplicate value: {value}"),
        }
    }

    pub fn forbidden(field: impl Into<String>, detail: &str) -> Self {
        FieldError {
            field: field.into(),
            detail: format!("Forbidden: {detail}"),
        }
    }
}

/// `The Deployment "web" is invalid: spec.replicas: Invalid value: -1: must be greater than or equal to 0`
/// (several errors are joined as `[a, b]`, as apimachinery's NewInvalid does).
pub fn invalid(kind: &str, name: &str, errors: &[FieldError]) -> ApiError {
    let rendered: Vec<String> = errors
        .iter()
        .map(|e| format!("{}: {}", e.field, e.detail))
        .collect();
    let joined = if rendered.len() == 1 {
        rendered[0].clone()
    } else {
        format!("[{}]", rendered.join(", "))
    };
    let mut err = ApiError::new(
        StatusReason::Invalid,
        format!("The {kind} \"{name}\" is invalid: {joined}"),
    );
    err.field = errors.first().map(|e| e.field.clone());
    err.causes = errors.to_vec();
    err
}
