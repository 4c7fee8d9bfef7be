//! `perl` in the perl image, as a model of the interpreter that runs what
//! it can really evaluate: one-liners and scripts made of `print` and `say`
//! of string and number literals, arithmetic (Perl's integers and doubles,
//! printed as `%.15g`), `.` and `x`, `bpi(N)` from `-Mbignum=bpi` (π
//! computed to N digits, `pi.rs`), `exit` and `die`. Its switches: `-e`,
//! `-E`, `-l`, `-w`, `-M`/`-m`. The kubernetes.io Job example
//! `perl -Mbignum=bpi -wle "print bpi(2000)"` prints what real perl prints.
//!
//! Anything else (variables, loops, regular expressions, other modules and
//! switches) is beyond the model: rather than pretend, it says so on stderr
//! and exits with 126 ("cannot execute"), which real perl never does for a
//! script. Errors the model knows are worded as perl words them
//! (`Undefined subroutine &main::bpi called at -e line 1.`, exit 255).

use super::pi;

/// The exit status of a program the model cannot run.
pub const CANNOT_RUN: i32 = 126;
const CANNOT_RUN_MSG: &str = "kubeplay: perl here is a model, not the interpreter: it runs print and say of strings and numbers, arithmetic, bpi(N) (-Mbignum=bpi), exit and die; it cannot run";
/// bpi() without a count, or with 0: Math::BigFloat's div_scale.
const DEFAULT_BPI_DIGITS: usize = 40;
/// A string longer than this (from `x`) is beyond the model.
const MAX_STRING: usize = 64 * 1024;

/// Which stream a piece of output goes to.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Stream {
    Stdout,
    Stderr,
}

/// What running perl did: its output in order, and its exit status.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct PerlRun {
    pub output: Vec<(Stream, String)>,
    pub code: i32,
}

impl PerlRun {
    fn cannot_run(what: &str) -> PerlRun {
        PerlRun {
            output: vec![(Stream::Stderr, format!("{CANNOT_RUN_MSG}: {what}\n"))],
            code: CANNOT_RUN,
        }
    }

    fn error(message: String, code: i32) -> PerlRun {
        PerlRun {
            output: vec![(Stream::Stderr, message)],
            code,
        }
    }
}

/// What the switches set up.
#[derive(Debug, Default)]
struct Options {
    /// `-l`: print ends each line with a newline.
    newline: bool,
    /// `-E` or `-Mfeature=say`: `say` is a keyword.
    say: bool,
    /// `-Mbignum`: numbers are Math::BigInt / Math::BigFloat.
    bignum: bool,
    /// `-Mbignum=bpi`: bpi() is imported.
    bpi: bool,
}

/// Runs `perl ARGS`; `read_file` reads a script named on the command line.
pub fn run(args: &[String], read_file: &dyn Fn(&str) -> Option<String>) -> PerlRun {
    let mut options = Options::default();
    let mut code: Option<String> = None;
    let mut i = 0;
    while i < args.len() {
        let arg = &args[i];
        if arg == "--" {
            i += 1;
            break;
        }
        if !arg.starts_with('-') || arg == "-" {
            break;
        }
        let cluster: Vec<char> = arg.chars().skip(1).collect();
        let mut j = 0;
        while j < cluster.len() {
            let c = cluster[j];
            j += 1;
            match c {
                'w' | 'W' | 'X' => {}
                'l' => {
                    if cluster.get(j).is_some_and(char::is_ascii_digit) {
                        return PerlRun::cannot_run(&format!("the switch {arg}"));
                    }
                    options.newline = true;
                }
                'e' | 'E' | 'M' | 'm' => {
                    let rest: String = cluster[j..].iter().collect();
                    j = cluster.len();
                    let value = if rest.is_empty() {
                        i += 1;
                        match args.get(i) {
                            Some(v) => v.clone(),
                            None if c == 'e' || c == 'E' => {
                                return PerlRun::error("No code specified for -e.\n".into(), 29)
                            }
                            None => {
                                return PerlRun::error(format!("Missing argument to -{c}.\n"), 29)
                            }
                        }
                    } else {
                        rest
                    };
                    if c == 'e' || c == 'E' {
                        options.say |= c == 'E';
                        code = Some(match code {
                            Some(before) => format!("{before}\n{value}"),
                            None => value,
                        });
                    } else if let Err(what) = import(&value, &mut options) {
                        return PerlRun::cannot_run(&what);
                    }
                }
                _ => return PerlRun::cannot_run(&format!("the switch -{c}")),
            }
        }
        i += 1;
    }
    let (source, name) = match code {
        Some(code) => (code, "-e".to_string()),
        None => match args.get(i) {
            // No program and no terminal: perl reads an empty script from stdin.
            None => {
                return PerlRun {
                    output: Vec::new(),
                    code: 0,
                }
            }
            Some(path) => match read_file(path) {
                Some(text) => (text, path.clone()),
                None => {
                    return PerlRun::error(
                        format!("Can't open perl script \"{path}\": No such file or directory\n"),
                        2,
                    )
                }
            },
        },
    };
    let program = match Parser::new(&source).and_then(|mut p| p.program()) {
        Ok(program) => program,
        Err(what) => return PerlRun::cannot_run(&what),
    };
    Interpreter {
        options: &options,
        script: &name,
        output: Vec::new(),
    }
    .run(&program)
}

/// `-MModule` or `-MModule=a,b`: what the model knows of the module.
fn import(spec: &str, options: &mut Options) -> Result<(), String> {
    let (module, imports) = match spec.split_once('=') {
        Some((m, i)) => (m, i.split(',').filter(|s| !s.is_empty()).collect()),
        None => (spec, Vec::new()),
    };
    match module {
        "strict" | "warnings" | "utf8" => Ok(()),
        "feature" if imports.iter().all(|i| *i == "say") => {
            options.say = true;
            Ok(())
        }
        "bignum" if imports.iter().all(|i| *i == "bpi") => {
            options.bignum = true;
            options.bpi |= imports.contains(&"bpi");
            Ok(())
        }
        _ => Err(format!("the module -M{spec}")),
    }
}

#[derive(Clone, Debug, PartialEq)]
enum Token {
    Num(String),
    Str(String),
    Ident(String),
    Op(&'static str),
}

/// The operators the model reads, longest first.
const OPERATORS: &[&str] = &["**", "+", "-", "*", "/", "%", ".", ",", ";", "(", ")"];

fn tokenize(source: &str) -> Result<Vec<Token>, String> {
    let chars: Vec<char> = source.chars().collect();
    let mut tokens = Vec::new();
    let mut i = 0;
    while i < chars.len() {
        let c = chars[i];
        if c.is_whitespace() {
            i += 1;
        } else if c == '#' {
            while i < chars.len() && chars[i] != '\n' {
                i += 1;
            }
        } else if c.is_ascii_digit() {
            let start = i;
            while i < chars.len()
                && (chars[i].is_ascii_alphanumeric() || chars[i] == '_' || chars[i] == '.')
            {
                // An exponent's sign belongs to the number.
                if (chars[i] == 'e' || chars[i] == 'E')
                    && !chars[start..i].iter().any(|c| *c == 'x' || *c == 'X')
                    && matches!(chars.get(i + 1), Some('+') | Some('-'))
                {
                    i += 1;
                }
                i += 1;
            }
            tokens.push(Token::Num(chars[start..i].iter().collect()));
        } else if c.is_alphabetic() || c == '_' {
            let start = i;
            while i < chars.len() && (chars[i].is_alphanumeric() || chars[i] == '_') {
                i += 1;
            }
            let word: String = chars[start..i].iter().collect();
            if word == "x" {
                tokens.push(Token::Op("x"));
            } else {
                tokens.push(Token::Ident(word));
            }
        } else if c == '\'' || c == '"' {
            let (text, next) = string_literal(&chars, i)?;
            tokens.push(Token::Str(text));
            i = next;
        } else if let Some(op) = OPERATORS
            .iter()
            .find(|op| chars[i..].iter().take(op.len()).copied().eq(op.chars()))
        {
            tokens.push(Token::Op(op));
            i += op.len();
        } else {
            let rest: String = chars[i..].iter().take(20).collect();
            return Err(format!("near {:?}", rest.trim_end()));
        }
    }
    Ok(tokens)
}

/// A quoted string from `chars[start]`; returns its text and where it ends.
fn string_literal(chars: &[char], start: usize) -> Result<(String, usize), String> {
    let quote = chars[start];
    let mut text = String::new();
    let mut i = start + 1;
    loop {
        let Some(&c) = chars.get(i) else {
            return Err("an unterminated string".into());
        };
        i += 1;
        if c == quote {
            return Ok((text, i));
        }
        if c == '\\' {
            let Some(&next) = chars.get(i) else {
                return Err("an unterminated string".into());
            };
            i += 1;
            if quote == '\'' {
                // Only \\ and \' are escapes in single quotes.
                if next != '\\' && next != '\'' {
                    text.push('\\');
                }
                text.push(next);
                continue;
            }
            match next {
                'n' => text.push('\n'),
                't' => text.push('\t'),
                'r' => text.push('\r'),
                'a' => text.push('\u{7}'),
                'e' => text.push('\u{1b}'),
                '0' => text.push('\0'),
                c if c.is_ascii_alphanumeric() => {
                    return Err(format!("the escape \\{c} in a string"))
                }
                c => text.push(c),
            }
            continue;
        }
        if quote == '"' && (c == '$' || c == '@') {
            // Interpolation: variables are beyond the model.
            let name: String = chars[i - 1..]
                .iter()
                .take_while(|c| !c.is_whitespace() && **c != '"')
                .collect();
            return Err(format!("{name} in a string"));
        }
        text.push(c);
    }
}

#[derive(Clone, Debug, PartialEq)]
enum Expr {
    Num(String),
    Str(String),
    Call(String, Vec<Expr>),
    Neg(Box<Expr>),
    Binary(&'static str, Box<Expr>, Box<Expr>),
}

#[derive(Clone, Debug, PartialEq)]
enum Statement {
    Print(Vec<Expr>),
    Say(Vec<Expr>),
    Exit(Option<Expr>),
    Die(Vec<Expr>),
    Expr(Expr),
}

struct Parser {
    tokens: Vec<Token>,
    at: usize,
}

impl Parser {
    fn new(source: &str) -> Result<Parser, String> {
        Ok(Parser {
            tokens: tokenize(source)?,
            at: 0,
        })
    }

    fn peek(&self) -> Option<&Token> {
        self.tokens.get(self.at)
    }

    fn next(&mut self) -> Option<Token> {
        let t = self.tokens.get(self.at).cloned();
        self.at += 1;
        t
    }

    fn eat(&mut self, op: &str) -> bool {
        if matches!(self.peek(), Some(Token::Op(o)) if *o == op) {
            self.at += 1;
            true
        } else {
            false
        }
    }

    /// Where the model stopped reading, for its message.
    fn near(&self) -> String {
        match self.peek() {
            None => "the end of the program".into(),
            Some(Token::Num(n)) => format!("near {n:?}"),
            Some(Token::Str(s)) => format!("near {s:?}"),
            Some(Token::Ident(w)) => format!("near {w:?}"),
            Some(Token::Op(o)) => format!("near {o:?}"),
        }
    }

    fn program(&mut self) -> Result<Vec<Statement>, String> {
        let mut statements = Vec::new();
        loop {
            while self.eat(";") {}
            if self.peek().is_none() {
                return Ok(statements);
            }
            statements.push(self.statement()?);
            if self.peek().is_some() && !self.eat(";") {
                return Err(self.near());
            }
        }
    }

    fn at_end_of_statement(&self) -> bool {
        matches!(self.peek(), None | Some(Token::Op(";")))
    }

    fn statement(&mut self) -> Result<Statement, String> {
        if let Some(Token::Ident(word)) = self.peek().cloned() {
            match word.as_str() {
                "print" | "say" | "die" => {
                    self.at += 1;
                    let list = self.list()?;
                    return Ok(match word.as_str() {
                        "print" => Statement::Print(list),
                        "say" => Statement::Say(list),
                        _ => Statement::Die(list),
                    });
                }
                "exit" => {
                    self.at += 1;
                    let paren = self.eat("(");
                    let value =
                        if self.at_end_of_statement() || self.peek() == Some(&Token::Op(")")) {
                            None
                        } else {
                            Some(self.expr()?)
                        };
                    if paren && !self.eat(")") {
                        return Err(self.near());
                    }
                    return Ok(Statement::Exit(value));
                }
                _ => {}
            }
        }
        Ok(Statement::Expr(self.expr()?))
    }

    /// The arguments of print, say and die: `LIST` or `(LIST)`.
    fn list(&mut self) -> Result<Vec<Expr>, String> {
        if self.at_end_of_statement() {
            return Ok(Vec::new());
        }
        let paren = self.peek() == Some(&Token::Op("("));
        if paren {
            self.at += 1;
            if self.eat(")") {
                return Ok(Vec::new());
            }
        }
        let mut items = vec![self.expr()?];
        while self.eat(",") {
            if paren && self.peek() == Some(&Token::Op(")")) {
                break;
            }
            items.push(self.expr()?);
        }
        if paren && !self.eat(")") {
            return Err(self.near());
        }
        Ok(items)
    }

    /// Additive level: `+ - .`, left to right.
    fn expr(&mut self) -> Result<Expr, String> {
        let mut left = self.term()?;
        loop {
            let op = match self.peek() {
                Some(Token::Op(op @ ("+" | "-" | "."))) => *op,
                _ => return Ok(left),
            };
            self.at += 1;
            let right = self.term()?;
            left = Expr::Binary(op, Box::new(left), Box::new(right));
        }
    }

    /// Multiplicative level: `* / % x`.
    fn term(&mut self) -> Result<Expr, String> {
        let mut left = self.unary()?;
        loop {
            let op = match self.peek() {
                Some(Token::Op(op @ ("*" | "/" | "%" | "x"))) => *op,
                _ => return Ok(left),
            };
            self.at += 1;
            let right = self.unary()?;
            left = Expr::Binary(op, Box::new(left), Box::new(right));
        }
    }

    /// Unary minus binds looser than `**` (`-2**2` is −4).
    fn unary(&mut self) -> Result<Expr, String> {
        if self.eat("-") {
            return Ok(Expr::Neg(Box::new(self.unary()?)));
        }
        if self.eat("+") {
            return self.unary();
        }
        self.power()
    }

    /// `**`, right to left; its right side may be negated (`2**-1`).
    fn power(&mut self) -> Result<Expr, String> {
        let base = self.primary()?;
        if self.eat("**") {
            let exponent = self.unary()?;
            return Ok(Expr::Binary("**", Box::new(base), Box::new(exponent)));
        }
        Ok(base)
    }

    fn primary(&mut self) -> Result<Expr, String> {
        let near = self.near();
        match self.next() {
            Some(Token::Num(n)) => Ok(Expr::Num(n)),
            Some(Token::Str(s)) => Ok(Expr::Str(s)),
            Some(Token::Op("(")) => {
                let inner = self.expr()?;
                if !self.eat(")") {
                    return Err(self.near());
                }
                Ok(inner)
            }
            Some(Token::Ident(name)) if self.peek() == Some(&Token::Op("(")) => {
                self.at += 1;
                let mut args = Vec::new();
                if !self.eat(")") {
                    args.push(self.expr()?);
                    while self.eat(",") {
                        args.push(self.expr()?);
                    }
                    if !self.eat(")") {
                        return Err(self.near());
                    }
                }
                Ok(Expr::Call(name, args))
            }
            _ => Err(near),
        }
    }
}

/// A Perl scalar as far as the model goes.
#[derive(Clone, Debug, PartialEq)]
enum Value {
    /// An integer Perl holds as IV or UV.
    Int(i128),
    /// A double (NV).
    Float(f64),
    Str(String),
    /// A Math::BigFloat the model only prints (bpi's result).
    Big(String),
}

/// Perl's integers: IV and UV together.
const INT_MIN: i128 = i64::MIN as i128;
const INT_MAX: i128 = u64::MAX as i128;

impl Value {
    fn text(&self) -> String {
        match self {
            Value::Int(n) => n.to_string(),
            Value::Float(x) => format_nv(*x),
            Value::Str(s) | Value::Big(s) => s.clone(),
        }
    }
}

/// Why evaluation stopped: a perl error (message, status), or beyond the model.
enum Stop {
    Perl(String, i32),
    Exit(i32),
    CannotRun(String),
}

struct Interpreter<'a> {
    options: &'a Options,
    script: &'a str,
    output: Vec<(Stream, String)>,
}

impl Interpreter<'_> {
    fn run(mut self, program: &[Statement]) -> PerlRun {
        for statement in program {
            match self.statement(statement) {
                Ok(()) => {}
                Err(Stop::Exit(code)) => return self.finish(code),
                Err(Stop::Perl(message, code)) => {
                    self.output.push((Stream::Stderr, message));
                    return self.finish(code);
                }
                Err(Stop::CannotRun(what)) => {
                    let mut run = PerlRun::cannot_run(&what);
                    self.output.append(&mut run.output);
                    return self.finish(run.code);
                }
            }
        }
        self.finish(0)
    }

    fn finish(self, code: i32) -> PerlRun {
        PerlRun {
            output: self.output,
            code,
        }
    }

    /// `at -e line 1.`: where perl says an error happened.
    fn at(&self) -> String {
        format!(" at {} line 1.\n", self.script)
    }

    fn statement(&mut self, statement: &Statement) -> Result<(), Stop> {
        match statement {
            Statement::Print(list) => {
                let mut text = self.join(list)?;
                if self.options.newline {
                    text.push('\n');
                }
                self.output.push((Stream::Stdout, text));
            }
            Statement::Say(list) => {
                if !self.options.say {
                    return Err(Stop::CannotRun("say without -E".into()));
                }
                let text = self.join(list)? + "\n";
                self.output.push((Stream::Stdout, text));
            }
            Statement::Die(list) => {
                let mut text = self.join(list)?;
                if text.is_empty() {
                    text = "Died".into();
                }
                if !text.ends_with('\n') {
                    text.push_str(&self.at());
                }
                return Err(Stop::Perl(text, 255));
            }
            Statement::Exit(value) => {
                let code = match value {
                    None => 0,
                    Some(e) => match self.eval(e)? {
                        Value::Int(n) => n,
                        Value::Float(x) => x as i128,
                        other => number_of(&other.text())
                            .map(|v| match v {
                                Value::Int(n) => n,
                                Value::Float(x) => x as i128,
                                _ => 0,
                            })
                            .ok_or_else(|| Stop::CannotRun("exit with a string".into()))?,
                    },
                };
                return Err(Stop::Exit((code & 0xff) as i32));
            }
            Statement::Expr(e) => {
                self.eval(e)?;
            }
        }
        Ok(())
    }

    fn join(&mut self, list: &[Expr]) -> Result<String, Stop> {
        let mut text = String::new();
        for e in list {
            text.push_str(&self.eval(e)?.text());
            if text.len() > MAX_STRING {
                return Err(Stop::CannotRun("output this long".into()));
            }
        }
        Ok(text)
    }

    fn eval(&mut self, e: &Expr) -> Result<Value, Stop> {
        match e {
            Expr::Num(n) => {
                let value =
                    number_literal(n).ok_or_else(|| Stop::CannotRun(format!("the number {n}")))?;
                if self.options.bignum && matches!(value, Value::Float(_)) {
                    return Err(Stop::CannotRun(format!("{n} as a Math::BigFloat")));
                }
                Ok(value)
            }
            Expr::Str(s) => Ok(Value::Str(s.clone())),
            Expr::Neg(inner) => {
                let v = self.eval(inner)?;
                self.arith("-", Value::Int(0), v)
            }
            Expr::Call(name, args) => self.call(name, args),
            Expr::Binary(op, l, r) => {
                let (l, r) = (self.eval(l)?, self.eval(r)?);
                match *op {
                    "." => Ok(Value::Str(l.text() + &r.text())),
                    "x" => {
                        let count = match self.numeric(&r)? {
                            Value::Int(n) => n,
                            Value::Float(x) => x as i128,
                            _ => 0,
                        }
                        .max(0) as usize;
                        let text = l.text();
                        if text.len().saturating_mul(count) > MAX_STRING {
                            return Err(Stop::CannotRun("a string this long".into()));
                        }
                        Ok(Value::Str(text.repeat(count)))
                    }
                    op => self.arith(op, l, r),
                }
            }
        }
    }

    fn call(&mut self, name: &str, args: &[Expr]) -> Result<Value, Stop> {
        if name != "bpi" {
            return Err(Stop::CannotRun(format!("the function {name}()")));
        }
        if !self.options.bpi {
            return Err(Stop::Perl(
                format!("Undefined subroutine &main::bpi called{}", self.at()),
                255,
            ));
        }
        let [arg] = args else {
            return Err(Stop::CannotRun("bpi() without one argument".into()));
        };
        let digits = match self.eval(arg)? {
            Value::Int(0) => DEFAULT_BPI_DIGITS,
            Value::Int(n) if n > 0 && n <= pi::MAX_DIGITS as i128 => n as usize,
            other => {
                return Err(Stop::CannotRun(format!(
                    "bpi({}): the model computes 1 to {} digits",
                    other.text(),
                    pi::MAX_DIGITS
                )))
            }
        };
        pi::pi(digits).map(Value::Big).map_err(Stop::CannotRun)
    }

    /// A value as a number, as far as the model can tell which number.
    fn numeric(&self, v: &Value) -> Result<Value, Stop> {
        match v {
            Value::Int(_) | Value::Float(_) => Ok(v.clone()),
            Value::Str(s) => {
                number_of(s).ok_or_else(|| Stop::CannotRun(format!("the string {s:?} as a number")))
            }
            Value::Big(_) => Err(Stop::CannotRun("arithmetic on a Math::BigFloat".into())),
        }
    }

    /// Perl's arithmetic: integers while they fit, doubles after; with
    /// bignum, integers only (exactly).
    fn arith(&self, op: &str, l: Value, r: Value) -> Result<Value, Stop> {
        let (l, r) = (self.numeric(&l)?, self.numeric(&r)?);
        let beyond = || Stop::CannotRun(format!("this arithmetic with -Mbignum ({op})"));
        if let (Value::Int(a), Value::Int(b)) = (&l, &r) {
            let (a, b) = (*a, *b);
            let exact = match op {
                "+" => a.checked_add(b),
                "-" => a.checked_sub(b),
                "*" => a.checked_mul(b),
                "/" if b == 0 => {
                    return Err(Stop::Perl(
                        format!("Illegal division by zero{}", self.at()),
                        255,
                    ))
                }
                "/" => (a % b == 0).then(|| a / b),
                "%" if b == 0 => {
                    return Err(Stop::Perl(
                        format!("Illegal modulus zero{}", self.at()),
                        255,
                    ))
                }
                // The result takes the sign of the right operand.
                "%" => Some(((a % b) + b) % b),
                "**" if self.options.bignum && (0..=u32::MAX as i128).contains(&b) => {
                    a.checked_pow(b as u32)
                }
                _ => None,
            };
            if let Some(n) = exact {
                if self.options.bignum || (INT_MIN..=INT_MAX).contains(&n) && op != "**" {
                    return Ok(Value::Int(n));
                }
            }
        }
        if self.options.bignum {
            return Err(beyond());
        }
        let as_float = |v: &Value| match v {
            Value::Int(n) => *n as f64,
            Value::Float(x) => *x,
            _ => 0.0,
        };
        let (x, y) = (as_float(&l), as_float(&r));
        Ok(Value::Float(match op {
            "+" => x + y,
            "-" => x - y,
            "*" => x * y,
            "/" if y == 0.0 => {
                return Err(Stop::Perl(
                    format!("Illegal division by zero{}", self.at()),
                    255,
                ))
            }
            "/" => x / y,
            "%" => {
                let (a, b) = (x.trunc() as i128, y.trunc() as i128);
                if b == 0 {
                    return Err(Stop::Perl(
                        format!("Illegal modulus zero{}", self.at()),
                        255,
                    ));
                }
                return Ok(Value::Int(((a % b) + b) % b));
            }
            "**" => x.powf(y),
            _ => return Err(Stop::CannotRun(format!("the operator {op}"))),
        }))
    }
}

/// A numeric literal of Perl source: `42`, `1_000`, `0x1F`, `0755`, `0b101`, `2.5`, `1e21`.
fn number_literal(text: &str) -> Option<Value> {
    let clean: String = text.chars().filter(|c| *c != '_').collect();
    let radix = |digits: &str, base: u32| i128::from_str_radix(digits, base).ok().map(Value::Int);
    if let Some(hex) = clean
        .strip_prefix("0x")
        .or_else(|| clean.strip_prefix("0X"))
    {
        return radix(hex, 16);
    }
    if let Some(bin) = clean
        .strip_prefix("0b")
        .or_else(|| clean.strip_prefix("0B"))
    {
        return radix(bin, 2);
    }
    if clean.len() > 1 && clean.starts_with('0') && clean.bytes().all(|b| b.is_ascii_digit()) {
        return radix(&clean[1..], 8);
    }
    number_of(&clean)
}

/// A string that is wholly a decimal number, as Perl converts it.
fn number_of(text: &str) -> Option<Value> {
    let t = text.trim();
    if !t.is_empty()
        && t.trim_start_matches(['-', '+'])
            .bytes()
            .all(|b| b.is_ascii_digit())
    {
        if let Ok(n) = t.parse::<i128>() {
            if (INT_MIN..=INT_MAX).contains(&n) {
                return Some(Value::Int(n));
            }
        }
    }
    let valid = t
        .bytes()
        .all(|b| b.is_ascii_digit() || b"+-.eE".contains(&b))
        && t.bytes().any(|b| b.is_ascii_digit());
    if valid {
        return t.parse::<f64>().ok().map(Value::Float);
    }
    None
}

/// How Perl prints a double: `%.15g`.
fn format_nv(x: f64) -> String {
    if x.is_nan() {
        return "NaN".into();
    }
    if x.is_infinite() {
        return if x > 0.0 { "Inf" } else { "-Inf" }.into();
    }
    if x == 0.0 {
        return "0".into();
    }
    // 15 significant digits, rounded once, then laid out as %g does.
    let sci = format!("{:.14e}", x);
    let (mantissa, exponent) = sci.split_once('e').unwrap_or((&sci, "0"));
    let exponent: i32 = exponent.parse().unwrap_or(0);
    let negative = mantissa.starts_with('-');
    let digits: String = mantissa.chars().filter(char::is_ascii_digit).collect();
    let sign = if negative { "-" } else { "" };
    if !(-4..15).contains(&exponent) {
        let trimmed = digits.trim_end_matches('0');
        let body = if trimmed.len() > 1 {
            format!("{}.{}", &trimmed[..1], &trimmed[1..])
        } else {
            trimmed.to_string()
        };
        let esign = if exponent < 0 { '-' } else { '+' };
        return format!("{sign}{body}e{esign}{:02}", exponent.abs());
    }
    let (int, frac) = if exponent >= 0 {
        let split = exponent as usize + 1;
        (digits[..split].to_string(), digits[split..].to_string())
    } else {
        let zeros = "0".repeat((-exponent - 1) as usize);
        ("0".to_string(), format!("{zeros}{digits}"))
    };
    let frac = frac.trim_end_matches('0');
    if frac.is_empty() {
        format!("{sign}{int}")
    } else {
        format!("{sign}{int}.{frac}")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn perl(args: &[&str]) -> (String, String, i32) {
        let args: Vec<String> = args.iter().map(|a| a.to_string()).collect();
        let run = run(&args, &|_| None);
        let text = |s: Stream| {
            run.output
                .iter()
                .filter(|(t, _)| *t == s)
                .map(|(_, x)| x.as_str())
                .collect::<String>()
        };
        (text(Stream::Stdout), text(Stream::Stderr), run.code)
    }

    fn out(args: &[&str]) -> String {
        let (stdout, stderr, code) = perl(args);
        assert_eq!((stderr.as_str(), code), ("", 0), "perl {args:?}");
        stdout
    }

    #[test]
    fn the_job_example_prints_pi() {
        let stdout = out(&["-Mbignum=bpi", "-wle", "print bpi(10)"]);
        assert_eq!(stdout, "3.141592654\n");
        let stdout = out(&["-Mbignum=bpi", "-wle", "print bpi(2000)"]);
        assert_eq!(stdout.len(), 2002);
        assert_eq!(out(&["-Mbignum=bpi", "-le", "print bpi(0)"]).len(), 42);
    }

    #[test]
    fn bpi_needs_its_import() {
        let (_, stderr, code) = perl(&["-le", "print bpi(10)"]);
        assert_eq!(
            stderr,
            "Undefined subroutine &main::bpi called at -e line 1.\n"
        );
        assert_eq!(code, 255);
    }

    #[test]
    fn literals_and_arithmetic_print_as_perl_prints_them() {
        // Each checked against perl 5.36: perl -le '...'.
        for (code, want) in [
            ("print 2+2", "4"),
            ("print 7/2", "3.5"),
            ("print 10/3", "3.33333333333333"),
            ("print 1/7", "0.142857142857143"),
            ("print 0.1+0.2", "0.3"),
            ("print 2**100", "1.26765060022823e+30"),
            ("print 2**10", "1024"),
            ("print -2**2", "-4"),
            ("print 2**-1", "0.5"),
            ("print 2 ** 3 ** 2", "512"),
            ("print 1e21", "1e+21"),
            ("print 1e14+0.5", "100000000000000"),
            ("print 9223372036854775807 * 2", "18446744073709551614"),
            ("print -9223372036854775808 - 1", "-9.22337203685478e+18"),
            ("print -7 % 3", "2"),
            ("print 7.5 % 2", "1"),
            ("print 10 - 2 - 3", "5"),
            ("print 0755, 0x1F, 1_000", "493311000"),
            ("print \"a\", 'b', 3", "ab3"),
            ("print 'a\\'b\\\\c\\n'", "a'b\\c\\n"),
            ("print \"a\" x 3 . \"!\"", "aaa!"),
            ("print(1,2)", "12"),
        ] {
            assert_eq!(out(&["-le", code]), format!("{want}\n"), "{code}");
        }
        assert_eq!(
            out(&["-Mbignum", "-le", "print 3**40"]),
            "12157665459056928801\n"
        );
        assert_eq!(out(&["-E", "say 42"]), "42\n");
        assert_eq!(out(&["-e", "print \"tab\\there\\n\""]), "tab\there\n");
    }

    #[test]
    fn exit_and_die_as_perl() {
        assert_eq!(perl(&["-e", "exit 3"]), (String::new(), String::new(), 3));
        assert_eq!(perl(&["-e", "exit 256"]).2, 0);
        assert_eq!(
            perl(&["-e", "print 1; die \"boom\""]),
            ("1".into(), "boom at -e line 1.\n".into(), 255)
        );
        assert_eq!(perl(&["-e", "die \"boom\\n\""]).1, "boom\n");
        assert_eq!(
            perl(&["-le", "print 1/0"]).1,
            "Illegal division by zero at -e line 1.\n"
        );
        assert_eq!(
            perl(&["missing.pl"]),
            (
                String::new(),
                "Can't open perl script \"missing.pl\": No such file or directory\n".into(),
                2
            )
        );
    }

    #[test]
    fn what_the_model_cannot_run_it_says_so() {
        for args in [
            &["-le", "print $x"][..],
            &["-ne", "print"],
            &["-le", "for (1..3) { print }"],
            &["-le", "print \"x$y\""],
            &["-MData::Dumper", "-le", "print 1"],
            &["-le", "say 42"],
            &["-Mbignum=bpi", "-le", "print bpi(10) + 1"],
            &["-le", "print length('abc')"],
        ] {
            let (_, stderr, code) = perl(args);
            assert_eq!(code, CANNOT_RUN, "{args:?}");
            assert!(
                stderr.starts_with("kubeplay: perl here is a model"),
                "{stderr}"
            );
        }
    }
}
