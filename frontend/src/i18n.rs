//! Korean and English for every string of the UI. Korean is first-class:
//! each call site gives both, Korean first, so neither can be forgotten.

use kubeplay_engine::lessons::{Language, Text};

#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Default)]
pub enum Lang {
    Ko,
    #[default]
    En,
}

impl Lang {
    /// The string for this language.
    pub fn t(self, ko: &'static str, en: &'static str) -> &'static str {
        match self {
            Lang::Ko => ko,
            Lang::En => en,
        }
    }

    /// Like [`Lang::t`] for formatted strings.
    pub fn pick(self, ko: String, en: String) -> String {
        match self {
            Lang::Ko => ko,
            Lang::En => en,
        }
    }

    /// A lesson's text in this language.
    pub fn text(self, text: &Text) -> &str {
        text.get(self.engine())
    }

    pub fn engine(self) -> Language {
        match self {
            Lang::Ko => Language::Ko,
            Lang::En => Language::En,
        }
    }

    pub fn code(self) -> &'static str {
        match self {
            Lang::Ko => "ko",
            Lang::En => "en",
        }
    }

    pub fn from_code(code: &str) -> Option<Lang> {
        let code = code.trim().to_ascii_lowercase();
        if code.starts_with("ko") {
            Some(Lang::Ko)
        } else if code.starts_with("en") {
            Some(Lang::En)
        } else {
            None
        }
    }

    /// The browser's preferred language: Korean for any `ko*`, English otherwise.
    pub fn from_browser(languages: &[String]) -> Lang {
        languages
            .iter()
            .find_map(|l| Lang::from_code(l))
            .unwrap_or(Lang::En)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn browser_languages() {
        assert_eq!(Lang::from_browser(&["ko-KR".into(), "en".into()]), Lang::Ko);
        assert_eq!(Lang::from_browser(&["fr".into(), "ko".into()]), Lang::Ko);
        assert_eq!(Lang::from_browser(&["en-US".into()]), Lang::En);
        assert_eq!(Lang::from_browser(&["de".into()]), Lang::En);
        assert_eq!(Lang::from_browser(&[]), Lang::En);
        assert_eq!(Lang::from_code("KO"), Some(Lang::Ko));
    }
}
