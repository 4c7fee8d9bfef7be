//! `kubectl create configmap` and `kubectl create secret generic|tls|docker-registry`
//! (staging/src/k8s.io/kubectl/pkg/cmd/create: create_configmap.go,
//! create_secret.go, create_secret_tls.go, create_secret_docker.go), with
//! the files they read from the workspace, as `kubectl apply -f` does.

use crate::sorting::CollectSorted;
use std::collections::BTreeMap;

use k8s_openapi::api::core::v1::{ConfigMap, Secret};
use k8s_openapi::apimachinery::pkg::apis::meta::v1::ObjectMeta;
use k8s_openapi::ByteString;

use crate::apiserver::auth::{Attributes, UserInfo};
use crate::apiserver::validation_config::config_key_errors;
use crate::files::FileSource;
use crate::objects::Object;
use crate::sim::Simulation;
use crate::view::CommandOutput;

/// cmdutil.GetDryRunStrategy.
const BAD_DRY_RUN: &str =
    "Invalid dry-run value ({}). Must be \"none\", \"server\", or \"client\".";
const DRY_RUN_DEPRECATED: &str =
    "--dry-run is deprecated and can be replaced with --dry-run=client.";
/// ConfigMapOptions.Validate, CreateSecretOptions.Validate.
const ENV_FILE_ALONE: &str =
    "error: from-env-file cannot be combined with from-file or from-literal";
/// validation.IsEnvVarName.
const ENV_VAR_NAME_MSG: &str = "a valid environment variable name must consist of alphabetic characters, digits, '_', '-', or '.', and must not start with a digit (e.g. 'my.env-name',  or 'MY_ENV.NAME',  or 'MyEnvName1', regex used for validation is '[-._a-zA-Z][-._a-zA-Z0-9]*')";
/// The default of `--docker-server`.
const DOCKER_HUB: &str = "https://index.docker.io/v1/";

fn fail(message: impl Into<String>) -> CommandOutput {
    let mut stderr = message.into();
    if !stderr.ends_with('\n') {
        stderr.push('\n');
    }
    CommandOutput {
        stdout: String::new(),
        stderr,
        success: false,
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum DryRun {
    None,
    Client,
}

/// The flags of the create subcommands, each value as given.
#[derive(Debug, Default)]
struct Flags {
    values: BTreeMap<&'static str, Vec<String>>,
    positional: Vec<String>,
    warnings: String,
}

impl Flags {
    fn one(&self, name: &str) -> Option<&str> {
        self.values.get(name)?.last().map(String::as_str)
    }

    fn all(&self, name: &str) -> Vec<String> {
        self.values.get(name).cloned().unwrap_or_default()
    }
}

/// Parses `--name=value` / `--name value`; `known` lists the flags taking a
/// value, `slices` those pflag splits at commas (StringSliceVar).
fn parse_flags(args: &[String], known: &[&'static str], slices: &[&str]) -> Result<Flags, String> {
    let mut flags = Flags::default();
    let mut i = 0;
    while i < args.len() {
        let arg = &args[i];
        if !arg.starts_with('-') || arg == "-" {
            flags.positional.push(arg.clone());
            i += 1;
            continue;
        }
        let (name, inline) = match arg.split_once('=') {
            Some((n, v)) => (n, Some(v.to_string())),
            None => (arg.as_str(), None),
        };
        let name = if name == "-o" { "--output" } else { name };
        if name == "--dry-run" {
            // A bare --dry-run is the deprecated spelling of client.
            let value = inline.unwrap_or_else(|| {
                flags.warnings.push_str(DRY_RUN_DEPRECATED);
                flags.warnings.push('\n');
                "client".into()
            });
            flags.values.entry("--dry-run").or_default().push(value);
            i += 1;
            continue;
        }
        let Some(key) = known.iter().find(|k| **k == name) else {
            return Err(format!("error: unknown flag: {name}"));
        };
        let value = match inline {
            Some(v) => v,
            None => {
                i += 1;
                args.get(i)
                    .cloned()
                    .ok_or_else(|| format!("error: flag needs an argument: {name}"))?
            }
        };
        let entry = flags.values.entry(key).or_default();
        if slices.contains(&name) {
            entry.extend(value.split(',').map(str::to_string));
        } else {
            entry.push(value);
        }
        i += 1;
    }
    Ok(flags)
}

/// NameFromCommandArgs.
fn name_of(flags: &Flags, command: &str) -> Result<String, String> {
    match flags.positional.as_slice() {
        [name] => Ok(name.clone()),
        other => Err(format!(
            "error: exactly one NAME is required, got {}\nSee 'kubectl create {command} -h' for help and examples",
            other.len()
        )),
    }
}

/// What the create commands' Complete checks before any source is read:
/// the dry-run strategy and the printer.
fn complete(flags: &Flags) -> Result<(), String> {
    dry_run(flags)?;
    let output = flags.one("--output").unwrap_or("");
    if !["", "yaml", "json", "name"].contains(&output) {
        return Err(format!("error: unable to match a printer suitable for the output format \"{output}\", allowed formats are: json,name,yaml"));
    }
    Ok(())
}

fn dry_run(flags: &Flags) -> Result<DryRun, String> {
    match flags.one("--dry-run") {
        None | Some("none") => Ok(DryRun::None),
        Some("client") => Ok(DryRun::Client),
        Some("server") => Err("error: kubeplay does not simulate --dry-run=server yet; --dry-run=client prints the object without creating it".into()),
        Some(other) => Err(format!("error: {}", BAD_DRY_RUN.replace("{}", other))),
    }
}

/// util.ParseLiteralSource.
fn parse_literal(source: &str) -> Result<(String, String), String> {
    match source.split_once('=') {
        Some((key, value)) if !key.is_empty() => Ok((key.to_string(), value.to_string())),
        _ => Err(format!(
            "error: invalid literal source {source}, expected key=value"
        )),
    }
}

/// util.ParseFileSource: `[key=]path`, the key defaulting to the file's name.
fn parse_file_source(source: &str) -> Result<(String, String), String> {
    match source.matches('=').count() {
        0 => {
            let base = source
                .trim_end_matches('/')
                .rsplit('/')
                .next()
                .unwrap_or(source);
            Ok((base.to_string(), source.to_string()))
        }
        1 if source.starts_with('=') => Err(format!(
            "error: key name for file path {} missing",
            &source[1..]
        )),
        1 if source.ends_with('=') => Err(format!(
            "error: file path for key name {} missing",
            &source[..source.len() - 1]
        )),
        1 => {
            let (key, path) = source.split_once('=').unwrap_or_default();
            Ok((key.to_string(), path.to_string()))
        }
        _ => Err("error: key names or file paths cannot contain '='".into()),
    }
}

/// The workspace's file: a missing one is os.Stat's error as kubectl words it.
fn read(files: &dyn FileSource, path: &str) -> Result<String, String> {
    files
        .read(path)
        .map_err(|_| format!("error: error reading {path}: no such file or directory"))
}

/// validation.IsEnvVarName.
fn env_var_name_errors(key: &str) -> Vec<String> {
    let mut errors = Vec::new();
    let valid = key
        .bytes()
        .next()
        .is_some_and(|b| b.is_ascii_alphabetic() || b"-._".contains(&b))
        && key
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b"-._".contains(&b));
    if !valid {
        errors.push(ENV_VAR_NAME_MSG.to_string());
    }
    errors.extend(crate::apiserver::validation_config::chdir_prefix_error(key).map(str::to_string));
    errors
}

/// cmdutil.AddFromEnvFile: `KEY=value` lines; blank lines and `#` comments
/// skipped; a key without `=` would take kubectl's own environment, which
/// the playground does not have: it is empty.
fn env_file_pairs(text: &str) -> Result<Vec<(String, String)>, String> {
    let mut pairs = Vec::new();
    for (n, line) in text.lines().enumerate() {
        let line = if n == 0 {
            line.trim_start_matches('\u{feff}')
        } else {
            line
        };
        let line = line.trim_start();
        if line.is_empty() || line.starts_with('#') {
            continue;
        }
        let (key, value) = line.split_once('=').unwrap_or((line, ""));
        let errors = env_var_name_errors(key);
        if !errors.is_empty() {
            return Err(format!(
                "error: {key:?} is not a valid key name: {}",
                errors.join(";")
            ));
        }
        pairs.push((key.to_string(), value.to_string()));
    }
    Ok(pairs)
}

/// What the sources give, in order, before the kind's own key checks.
fn read_sources(
    order: &[&str],
    flags: &Flags,
    files: &dyn FileSource,
) -> Result<Vec<(String, String)>, String> {
    let mut pairs = Vec::new();
    for source in order {
        match *source {
            "--from-literal" => {
                for s in flags.all("--from-literal") {
                    pairs.push(parse_literal(&s)?);
                }
            }
            "--from-file" => {
                for s in flags.all("--from-file") {
                    let (key, path) = parse_file_source(&s)?;
                    pairs.push((key, read(files, &path)?));
                }
            }
            _ => {
                for path in flags.all("--from-env-file") {
                    let text = read(files, &path)?;
                    pairs.extend(env_file_pairs(&text)?);
                }
            }
        }
    }
    Ok(pairs)
}

fn validate_sources(flags: &Flags) -> Result<(), String> {
    if !flags.all("--from-env-file").is_empty()
        && (!flags.all("--from-file").is_empty() || !flags.all("--from-literal").is_empty())
    {
        return Err(ENV_FILE_ALONE.into());
    }
    Ok(())
}

/// Creates the object (or, with --dry-run=client, only prints it), as
/// ConfigMapOptions.Run and CreateSecretOptions.Run do.
fn finish(
    sim: &mut Simulation,
    user: &UserInfo,
    object: Object,
    flags: &Flags,
    what: &str,
) -> CommandOutput {
    let mode = match dry_run(flags) {
        Ok(m) => m,
        Err(e) => return fail(e),
    };
    let info = object.kind().info();
    let name = object.meta().name.clone().unwrap_or_default();
    let output = flags.one("--output").unwrap_or("");
    // The object as kubectl sends it: printed as such under --dry-run=client.
    let mut printed = object.clone();
    if mode == DryRun::None {
        let namespace = object
            .meta()
            .namespace
            .clone()
            .unwrap_or_else(|| "default".into());
        let attrs = Attributes::new("create", info.group, info.plural, Some(&namespace), None);
        let mut object = object;
        object.meta_mut().namespace = Some(namespace.clone());
        let result = match sim.api().authorize(user, &attrs) {
            Err(e) => Err(e.message),
            Ok(()) => sim
                .user_create(object, format!("kubectl create {what} {name}"))
                .map_err(|e| e.message),
        };
        if let Err(message) = result {
            return fail(format!("error: failed to create {what}: {message}"));
        }
        if let Some(stored) = sim.api().get(&crate::objects::ObjectRef::new(
            printed.kind(),
            Some(&namespace),
            &name,
        )) {
            printed = stored.clone();
        }
    }
    let suffix = if mode == DryRun::Client {
        " (dry run)"
    } else {
        ""
    };
    let stdout = match output {
        "yaml" | "json" => {
            let value = serde_json::to_value(&printed).unwrap_or_default();
            if output == "json" {
                super::to_json(&value)
            } else {
                super::yaml::to_yaml(&value)
            }
        }
        "name" => format!("{}/{name}\n", info.qualified_singular()),
        _ => format!("{}/{name} created{suffix}\n", info.qualified_singular()),
    };
    CommandOutput {
        stdout,
        stderr: flags.warnings.clone(),
        success: true,
    }
}

fn metadata(name: String, namespace: Option<&str>) -> ObjectMeta {
    ObjectMeta {
        name: Some(name),
        // Only an explicit -n goes into the object (EnforceNamespace).
        namespace: namespace.map(str::to_string),
        ..ObjectMeta::default()
    }
}

const COMMON: &[&str] = &[
    "--output",
    "--from-literal",
    "--from-file",
    "--from-env-file",
];

/// `kubectl create configmap NAME [--from-file=[key=]path] [--from-literal=k=v] [--from-env-file=path]`.
pub fn configmap(
    sim: &mut Simulation,
    user: &UserInfo,
    args: &[String],
    namespace: Option<&str>,
    files: &dyn FileSource,
) -> CommandOutput {
    let build = || -> Result<(ConfigMap, Flags), String> {
        let flags = parse_flags(args, COMMON, &["--from-file", "--from-env-file"])?;
        let name = name_of(&flags, "configmap")?;
        complete(&flags)?;
        validate_sources(&flags)?;
        let mut data = BTreeMap::new();
        // createConfigMap: files, then literals, then env files.
        for (key, value) in read_sources(
            &["--from-file", "--from-literal", "--from-env-file"],
            &flags,
            files,
        )? {
            // validateNewConfigMap.
            let errors = config_key_errors(&key);
            if !errors.is_empty() {
                return Err(format!(
                    "error: {key:?} is not a valid key name for a ConfigMap: {}",
                    errors.join(",")
                ));
            }
            if data.contains_key(&key) {
                return Err(format!("error: cannot add key {key:?}, another key by that name already exists in Data for ConfigMap {name:?}"));
            }
            data.insert(key, value);
        }
        let cm = ConfigMap {
            metadata: metadata(name, namespace),
            data: (!data.is_empty()).then_some(data),
            ..ConfigMap::default()
        };
        Ok((cm, flags))
    };
    match build() {
        Ok((cm, flags)) => finish(sim, user, Object::ConfigMap(cm), &flags, "configmap"),
        Err(e) => fail(e),
    }
}

/// `kubectl create secret generic|tls|docker-registry NAME ...`.
pub fn secret(
    sim: &mut Simulation,
    user: &UserInfo,
    args: &[String],
    namespace: Option<&str>,
    files: &dyn FileSource,
) -> CommandOutput {
    let Some((kind, rest)) = args.split_first() else {
        return fail("error: kubectl create secret needs a type: generic, tls or docker-registry\nSee 'kubectl create secret -h' for help and examples");
    };
    let built = match kind.as_str() {
        "generic" => generic(rest, namespace, files),
        "tls" => tls(rest, namespace, files),
        "docker-registry" => docker_registry(rest, namespace, files),
        other => Err(format!(
            "error: unknown command \"{other}\" for \"kubectl create secret\"\nkubeplay's kubectl create secret knows: generic, tls, docker-registry"
        )),
    };
    match built {
        Ok((secret, flags)) => finish(sim, user, Object::Secret(secret), &flags, "secret"),
        Err(e) => fail(e),
    }
}

fn new_secret(name: String, namespace: Option<&str>, kind: Option<&str>) -> Secret {
    Secret {
        metadata: metadata(name, namespace),
        type_: kind.filter(|t| !t.is_empty()).map(str::to_string),
        ..Secret::default()
    }
}

/// addKeyFromLiteralToSecret.
fn add_secret_key(secret: &mut Secret, key: String, value: Vec<u8>) -> Result<(), String> {
    let errors = config_key_errors(&key);
    if !errors.is_empty() {
        return Err(format!(
            "error: {key:?} is not valid key name for a Secret {}",
            errors.join(";")
        ));
    }
    let data = secret.data.get_or_insert_with(BTreeMap::new);
    if data.contains_key(&key) {
        return Err(format!(
            "error: cannot add key {key}, another key by that name already exists"
        ));
    }
    data.insert(key, ByteString(value));
    Ok(())
}

fn generic(
    args: &[String],
    namespace: Option<&str>,
    files: &dyn FileSource,
) -> Result<(Secret, Flags), String> {
    let mut known = COMMON.to_vec();
    known.push("--type");
    let flags = parse_flags(args, &known, &["--from-file", "--from-env-file"])?;
    let name = name_of(&flags, "secret generic")?;
    complete(&flags)?;
    validate_sources(&flags)?;
    let mut secret = new_secret(name, namespace, flags.one("--type"));
    // createSecret: literals, then files, then env files.
    for (key, value) in read_sources(
        &["--from-literal", "--from-file", "--from-env-file"],
        &flags,
        files,
    )? {
        add_secret_key(&mut secret, key, value.into_bytes())?;
    }
    Ok((secret, flags))
}

/// `kubectl create secret tls NAME --cert=path --key=path`. The pair is
/// checked as PEM text only (tls.X509KeyPair also checks the key matches).
fn tls(
    args: &[String],
    namespace: Option<&str>,
    files: &dyn FileSource,
) -> Result<(Secret, Flags), String> {
    let flags = parse_flags(args, &["--output", "--cert", "--key"], &[])?;
    let name = name_of(&flags, "secret tls")?;
    complete(&flags)?;
    let (Some(cert_path), Some(key_path)) = (flags.one("--cert"), flags.one("--key")) else {
        return Err("error: key and cert must be specified".into());
    };
    let cert = read(files, cert_path)?;
    let key = read(files, key_path)?;
    if !cert.contains("-----BEGIN CERTIFICATE-----") {
        return Err("error: tls: failed to find any PEM data in certificate input".into());
    }
    if !key.contains("PRIVATE KEY-----") {
        return Err("error: tls: failed to find any PEM data in key input".into());
    }
    let mut secret = new_secret(name, namespace, Some("kubernetes.io/tls"));
    secret.data = Some(
        [
            ("tls.crt".to_string(), ByteString(cert.into_bytes())),
            ("tls.key".to_string(), ByteString(key.into_bytes())),
        ]
        .into_iter()
        .collect_map(),
    );
    Ok((secret, flags))
}

/// `kubectl create secret docker-registry NAME --docker-username=U
/// --docker-password=P [--docker-email=E] [--docker-server=S]`: a
/// `.dockerconfigjson` as handleDockerCfgJSONContent writes it.
fn docker_registry(
    args: &[String],
    namespace: Option<&str>,
    files: &dyn FileSource,
) -> Result<(Secret, Flags), String> {
    let flags = parse_flags(
        args,
        &[
            "--output",
            "--from-file",
            "--docker-username",
            "--docker-password",
            "--docker-email",
            "--docker-server",
        ],
        &["--from-file"],
    )?;
    let name = name_of(&flags, "secret docker-registry")?;
    complete(&flags)?;
    let username = flags.one("--docker-username").unwrap_or_default();
    let password = flags.one("--docker-password").unwrap_or_default();
    let email = flags.one("--docker-email").unwrap_or_default();
    let server = flags.one("--docker-server").unwrap_or(DOCKER_HUB);
    let from_files = flags.all("--from-file");
    if from_files.is_empty() && (username.is_empty() || password.is_empty() || server.is_empty()) {
        return Err("error: either --from-file or the combination of --docker-username, --docker-password and --docker-server is required".into());
    }
    let mut secret = new_secret(name, namespace, Some("kubernetes.io/dockerconfigjson"));
    if from_files.is_empty() {
        // DockerConfigEntry's fields in their order, each omitted when empty.
        let auth = base64_encode(format!("{username}:{password}").as_bytes());
        let quote = |s: &str| serde_json::to_string(s).unwrap_or_default();
        let entry: Vec<String> = [
            ("username", username),
            ("password", password),
            ("email", email),
            ("auth", auth.as_str()),
        ]
        .iter()
        .filter(|(_, v)| !v.is_empty())
        .map(|(k, v)| format!("\"{k}\":{}", quote(v)))
        .collect();
        let json = format!(
            "{{\"auths\":{{{}:{{{}}}}}}}",
            quote(server),
            entry.join(",")
        );
        add_secret_key(&mut secret, ".dockerconfigjson".into(), json.into_bytes())?;
    } else {
        for s in from_files {
            let (key, path) = parse_file_source(&s)?;
            let text = read(files, &path)?;
            add_secret_key(&mut secret, key, text.into_bytes())?;
        }
    }
    Ok((secret, flags))
}

/// Standard base64 with padding (encoding/base64's StdEncoding).
fn base64_encode(bytes: &[u8]) -> String {
    const ALPHABET: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    let mut out = String::new();
    for chunk in bytes.chunks(3) {
        let b = [
            chunk[0],
            chunk.get(1).copied().unwrap_or(0),
            chunk.get(2).copied().unwrap_or(0),
        ];
        let n = (u32::from(b[0]) << 16) | (u32::from(b[1]) << 8) | u32::from(b[2]);
        for i in 0..4 {
            if i <= chunk.len() {
                out.push(ALPHABET[(n >> (18 - 6 * i)) as usize & 63] as char);
            } else {
                out.push('=');
            }
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn file_sources_take_the_file_name_or_a_key() {
        assert_eq!(
            parse_file_source("conf/game.properties").unwrap(),
            ("game.properties".into(), "conf/game.properties".into())
        );
        assert_eq!(
            parse_file_source("game=conf/a.txt").unwrap(),
            ("game".into(), "conf/a.txt".into())
        );
        assert!(parse_file_source("=a")
            .unwrap_err()
            .contains("key name for file path a missing"));
        assert!(parse_file_source("k=")
            .unwrap_err()
            .contains("file path for key name k missing"));
        assert!(parse_file_source("a=b=c").is_err());
    }

    #[test]
    fn literals_split_at_the_first_equals() {
        assert_eq!(parse_literal("a=b=c").unwrap(), ("a".into(), "b=c".into()));
        assert_eq!(parse_literal("a=").unwrap(), ("a".into(), "".into()));
        assert!(parse_literal("=b").is_err());
        assert!(parse_literal("ab").is_err());
    }

    #[test]
    fn env_files_skip_comments_and_check_names() {
        let pairs = env_file_pairs("\u{feff}A=1\n\n  # note\nB=two=2\nC\n").unwrap();
        assert_eq!(
            pairs,
            vec![
                ("A".into(), "1".into()),
                ("B".into(), "two=2".into()),
                ("C".into(), "".into())
            ]
        );
        let err = env_file_pairs("1A=x\n").unwrap_err();
        assert!(
            err.starts_with(
                "error: \"1A\" is not a valid key name: a valid environment variable name"
            ),
            "{err}"
        );
    }

    #[test]
    fn base64_pads_as_go_does() {
        assert_eq!(base64_encode(b"user:pass"), "dXNlcjpwYXNz");
        assert_eq!(base64_encode(b"ab"), "YWI=");
        assert_eq!(base64_encode(b"a"), "YQ==");
        assert_eq!(base64_encode(b""), "");
    }
}
