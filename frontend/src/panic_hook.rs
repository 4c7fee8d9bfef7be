//! A panic in WebAssembly stops the app for good: say so on the page, readably.

use std::panic::PanicHookInfo;

/// Install the hook before the app renders (Yew then keeps it).
pub fn install() {
    yew::set_custom_panic_hook(Box::new(|info: &PanicHookInfo<'_>| {
        console_error_panic_hook::hook(info);
        show(&info.to_string());
    }));
}

fn show(detail: &str) {
    let Some(document) = web_sys::window().and_then(|w| w.document()) else {
        return;
    };
    let Some(body) = document.body() else {
        return;
    };
    let banner = match document.get_element_by_id("crash") {
        Some(existing) => existing,
        None => match document.create_element("div") {
            Ok(el) => {
                el.set_id("crash");
                el.set_class_name("crash");
                el.set_attribute("role", "alert").ok();
                body.prepend_with_node_1(&el).ok();
                el
            }
            Err(_) => return,
        },
    };
    banner.set_text_content(Some(&format!(
        "kubeplay stopped because of a bug: {detail}\n\nReload the page to start a fresh cluster. \
         Please report this message together with the manifest and the steps that led here."
    )));
}
