//! What survives a reload (localStorage) and what a shared link carries.
//!
//! The formats are plain serde types; the browser calls (`load`, `store`,
//! the URL hash) are the thin part at the bottom and never panic: a missing
//! or broken value is an error message and a clean start.

use std::collections::{BTreeMap, BTreeSet};

use serde::{Deserialize, Serialize};

use crate::workspace::{Progress, SavedWorkspace, WorkspaceKind};

/// localStorage key of the saved playground.
pub const STATE_KEY: &str = "kubeplay.state";
/// localStorage key of the chosen language (kept apart so a broken state keeps it).
pub const LANG_KEY: &str = "kubeplay.lang";
/// The URL hash prefix of a shared link: `#share=...`.
pub const SHARE_PREFIX: &str = "share=";
/// The format of [`SavedState`] and of shared links.
pub const STATE_VERSION: u32 = 1;

/// Everything the playground keeps between visits.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SavedState {
    pub version: u32,
    /// The workspace open when the page was left.
    pub active: WorkspaceKind,
    /// Every workspace the learner touched, by [`WorkspaceKind::key`].
    pub workspaces: BTreeMap<String, SavedWorkspace>,
    /// Lessons finished at least once (a reset lesson stays finished).
    #[serde(default)]
    pub completed: BTreeSet<String>,
    #[serde(default)]
    pub ui: UiPrefs,
}

impl Default for SavedState {
    fn default() -> Self {
        SavedState {
            version: STATE_VERSION,
            active: WorkspaceKind::Sandbox,
            workspaces: BTreeMap::new(),
            completed: BTreeSet::new(),
            ui: UiPrefs::default(),
        }
    }
}

impl SavedState {
    pub fn from_json(text: &str) -> Result<SavedState, String> {
        #[derive(Deserialize)]
        struct Versioned {
            version: u32,
        }
        let versioned: Versioned = serde_json::from_str(text)
            .map_err(|e| format!("it is not a saved kubeplay state ({e})"))?;
        if versioned.version != STATE_VERSION {
            return Err(format!(
                "it was saved by another version of kubeplay (format {}, this one reads {STATE_VERSION})",
                versioned.version
            ));
        }
        serde_json::from_str(text).map_err(|e| format!("it cannot be read ({e})"))
    }

    pub fn to_json(&self) -> String {
        serde_json::to_string(self).unwrap_or_default()
    }

    /// How far the learner got in a lesson, from its saved workspace.
    pub fn progress(&self, lesson_id: &str) -> Option<&Progress> {
        self.workspaces
            .get(&WorkspaceKind::Lesson(lesson_id.to_string()).key())
            .map(|w| &w.progress)
    }
}

/// Layout choices that survive a reload.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct UiPrefs {
    /// Panels the learner collapsed, by name.
    pub collapsed: BTreeSet<String>,
    /// Index into the play speeds.
    pub speed: usize,
}

/// What a shared link carries: one workspace.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SharedLink {
    pub version: u32,
    pub workspace: SavedWorkspace,
}

/// The URL hash for a shared workspace (without the `#`).
pub fn share_hash(workspace: &SavedWorkspace) -> String {
    let link = SharedLink {
        version: STATE_VERSION,
        workspace: workspace.clone(),
    };
    let json = serde_json::to_string(&link).unwrap_or_default();
    format!("{SHARE_PREFIX}{}", base64url_encode(json.as_bytes()))
}

/// Reads a shared link's hash (with or without the `#`). `Ok(None)` when the hash is not a share.
pub fn parse_share_hash(hash: &str) -> Result<Option<SavedWorkspace>, String> {
    let hash = hash.trim_start_matches('#');
    let Some(payload) = hash.strip_prefix(SHARE_PREFIX) else {
        return Ok(None);
    };
    let bytes = base64url_decode(payload).ok_or("the link is cut short or mistyped")?;
    let json = String::from_utf8(bytes).map_err(|_| "the link is cut short or mistyped")?;
    #[derive(Deserialize)]
    struct Versioned {
        version: u32,
    }
    let versioned: Versioned =
        serde_json::from_str(&json).map_err(|_| "the link is cut short or mistyped".to_string())?;
    if versioned.version != STATE_VERSION {
        return Err(format!(
            "the link was made by another version of kubeplay (format {}, this one reads {STATE_VERSION})",
            versioned.version
        ));
    }
    let link: SharedLink =
        serde_json::from_str(&json).map_err(|e| format!("the link cannot be read ({e})"))?;
    Ok(Some(link.workspace))
}

const ALPHABET: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";

/// Base64 with the URL-safe alphabet and no padding.
pub fn base64url_encode(bytes: &[u8]) -> String {
    let mut out = String::with_capacity(bytes.len().div_ceil(3) * 4);
    for chunk in bytes.chunks(3) {
        let b = [
            chunk[0],
            chunk.get(1).copied().unwrap_or(0),
            chunk.get(2).copied().unwrap_or(0),
        ];
        let n = (u32::from(b[0]) << 16) | (u32::from(b[1]) << 8) | u32::from(b[2]);
        let chars = chunk.len() + 1;
        for i in 0..chars {
            out.push(ALPHABET[((n >> (18 - 6 * i)) & 63) as usize] as char);
        }
    }
    out
}

pub fn base64url_decode(text: &str) -> Option<Vec<u8>> {
    let text = text.trim_end_matches('=');
    let mut out = Vec::with_capacity(text.len() * 3 / 4);
    let mut buffer: u32 = 0;
    let mut bits = 0;
    for c in text.bytes() {
        let value = match c {
            b'A'..=b'Z' => c - b'A',
            b'a'..=b'z' => c - b'a' + 26,
            b'0'..=b'9' => c - b'0' + 52,
            b'-' | b'+' => 62,
            b'_' | b'/' => 63,
            _ => return None,
        };
        buffer = (buffer << 6) | u32::from(value);
        bits += 6;
        if bits >= 8 {
            bits -= 8;
            out.push((buffer >> bits) as u8);
            buffer &= (1 << bits) - 1;
        }
    }
    // A single leftover character cannot end a valid encoding.
    if bits >= 6 {
        return None;
    }
    Some(out)
}

// ---------------------------------------------------------------- the browser
// (Outside WebAssembly — in native unit tests — there is no browser: nothing is stored.)

fn window() -> Option<web_sys::Window> {
    if cfg!(target_arch = "wasm32") {
        web_sys::window()
    } else {
        None
    }
}

fn storage() -> Option<web_sys::Storage> {
    window()?.local_storage().ok().flatten()
}

/// A localStorage value, if there is one and storage is available.
pub fn load(key: &str) -> Option<String> {
    storage()?.get_item(key).ok().flatten()
}

/// Stores a value; false when the browser refused (storage off or full).
pub fn store(key: &str, value: &str) -> bool {
    storage().is_some_and(|s| s.set_item(key, value).is_ok())
}

/// The page's URL hash, with its `#`.
pub fn location_hash() -> String {
    window()
        .and_then(|w| w.location().hash().ok())
        .unwrap_or_default()
}

/// The page's address without its hash.
pub fn page_url() -> String {
    window()
        .and_then(|w| w.location().href().ok())
        .map(|href| href.split('#').next().unwrap_or_default().to_string())
        .unwrap_or_default()
}

/// Removes the hash from the address bar without reloading.
pub fn clear_hash() {
    if let Some(window) = window() {
        if let Ok(history) = window.history() {
            let url = page_url();
            let _ = history.replace_state_with_url(&wasm_bindgen::JsValue::NULL, "", Some(&url));
        }
    }
}

/// The browser's preferred languages.
pub fn browser_languages() -> Vec<String> {
    let Some(navigator) = window().map(|w| w.navigator()) else {
        return Vec::new();
    };
    let mut list: Vec<String> = navigator
        .languages()
        .iter()
        .filter_map(|v| v.as_string())
        .collect();
    if let Some(l) = navigator.language() {
        list.push(l);
    }
    list
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::workspace::Workspace;

    #[test]
    fn base64_round_trips() {
        for text in ["", "a", "ab", "abc", "abcd", "한국어 ✓ {\"x\": 1}"] {
            let enc = base64url_encode(text.as_bytes());
            assert!(!enc.contains('=') && !enc.contains('+') && !enc.contains('/'));
            assert_eq!(
                base64url_decode(&enc).as_deref(),
                Some(text.as_bytes()),
                "{text}"
            );
        }
        assert_eq!(base64url_encode(b"hello"), "aGVsbG8");
        assert_eq!(base64url_decode("a"), None);
        assert_eq!(base64url_decode("a$b"), None);
    }

    #[test]
    fn share_links_round_trip_and_refuse_garbage() {
        let ws = Workspace::sandbox();
        let saved = ws.save();
        let hash = share_hash(&saved);
        assert_eq!(parse_share_hash(&format!("#{hash}")), Ok(Some(saved)));
        assert_eq!(parse_share_hash("#something-else"), Ok(None));
        assert_eq!(parse_share_hash(""), Ok(None));
        assert!(parse_share_hash("#share=%%%").is_err());
        assert!(parse_share_hash(&format!("#{}", &hash[..hash.len() / 2])).is_err());
        let other = format!(
            "share={}",
            base64url_encode(br#"{"version": 7, "workspace": {}}"#)
        );
        assert!(parse_share_hash(&other)
            .unwrap_err()
            .contains("another version"));
    }

    #[test]
    fn saved_states_refuse_garbage() {
        let state = SavedState::default();
        assert_eq!(SavedState::from_json(&state.to_json()), Ok(state));
        assert!(SavedState::from_json("").is_err());
        assert!(SavedState::from_json("{\"version\": 1}").is_err());
        assert!(SavedState::from_json("{\"version\": 2}")
            .unwrap_err()
            .contains("another version"));
    }
}
