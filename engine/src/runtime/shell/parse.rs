//! The shell's grammar: a subset of POSIX sh (as busybox ash reads it) into a
//! small syntax tree. Lists with `;`, `&`, `&&`, `||` and newlines,
//! pipelines, `!`, `if`/`elif`/`else`, `while`/`until`, `for ... in`,
//! `{ ...; }`, `( ... )`, redirections, quoting, `$VAR`, `${VAR:-x}`,
//! `$(...)`, backquotes and `$((...))`. `case`, functions and here-documents
//! are refused with a syntax error, as a shell without them would.

/// Index of a node in `Program::nodes`.
pub type NodeId = usize;

/// One piece of a word.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Seg {
    /// Literal text; `quoted` text is neither split nor globbed.
    Lit { text: String, quoted: bool },
    /// `$name`, `${name}`, `${name:-word}`, `${#name}`.
    Param {
        name: String,
        op: ParamOp,
        quoted: bool,
    },
    /// `$(...)` or backquotes: the script inside.
    CmdSub { script: String, quoted: bool },
    /// `$((...))`: the expression inside.
    Arith { expr: String, quoted: bool },
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub enum ParamOp {
    Plain,
    /// `${x:-w}` (colon: also when empty) and `${x:=w}`.
    Default {
        word: Vec<Seg>,
        colon: bool,
    },
    /// `${x:+w}`.
    Alternate {
        word: Vec<Seg>,
        colon: bool,
    },
    /// `${#x}`.
    Length,
    /// bash's `${a[i]}`: one element of an indexed array (`i` is arithmetic).
    Element(Vec<Seg>),
    /// `${a[@]}` and `${a[*]}`: every element.
    Elements,
    /// `${#a[@]}`: how many elements.
    Count,
}

/// How an indexed array's element `i` of `name` is kept among the variables
/// (a name no script can write): `name[i]`, and `name[#]` holds the count.
pub fn element_var(name: &str, index: &str) -> String {
    format!("{name}[{index}]")
}

pub type Word = Vec<Seg>;

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum RedirOp {
    /// `>` (truncate) or `>>` (append).
    Out { append: bool },
    /// `<`.
    In,
    /// `>&N`: make this fd a copy of N.
    Dup,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Redirect {
    pub fd: u32,
    pub op: RedirOp,
    pub target: Word,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum AndOrOp {
    And,
    Or,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Node {
    /// Items run in order; `true` marks an item ended with `&`.
    List(Vec<(NodeId, bool)>),
    AndOr(NodeId, Vec<(AndOrOp, NodeId)>),
    Pipeline {
        negate: bool,
        commands: Vec<NodeId>,
    },
    Simple {
        assigns: Vec<(String, Word)>,
        words: Vec<Word>,
        redirects: Vec<Redirect>,
    },
    Loop {
        cond: NodeId,
        body: NodeId,
        until: bool,
        redirects: Vec<Redirect>,
    },
    For {
        var: String,
        items: Option<Vec<Word>>,
        body: NodeId,
        redirects: Vec<Redirect>,
    },
    If {
        branches: Vec<(NodeId, NodeId)>,
        otherwise: Option<NodeId>,
        redirects: Vec<Redirect>,
    },
    Group {
        body: NodeId,
        subshell: bool,
        redirects: Vec<Redirect>,
    },
}

/// A parsed script.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Program {
    pub nodes: Vec<Node>,
    pub root: NodeId,
}

#[derive(Clone, Debug, PartialEq, Eq)]
enum Tok {
    Word(Word),
    Op(&'static str),
    Redir { fd: Option<u32>, op: &'static str },
    Newline,
}

const MAX_SCRIPT_CHARS: usize = 64 * 1024;
const MAX_NESTING: usize = 64;

/// Parses a script; the error is busybox's text after `sh: `.
pub fn parse(src: &str) -> Result<Program, String> {
    if src.len() > MAX_SCRIPT_CHARS {
        return Err("script too long".to_string());
    }
    let toks = Lexer::new(src).lex()?;
    let mut parser = Parser {
        toks,
        pos: 0,
        nodes: Vec::new(),
        depth: 0,
    };
    let root = parser.list(&[], true)?;
    if let Some(t) = parser.peek() {
        return Err(format!("syntax error: unexpected {}", describe(t)));
    }
    Ok(Program {
        nodes: parser.nodes,
        root,
    })
}

/// A program of one simple command whose words are taken literally (the
/// exec form of a container's `command`: no shell, no expansion).
pub fn literal_command(argv: &[String]) -> Program {
    let words = argv
        .iter()
        .map(|a| {
            vec![Seg::Lit {
                text: a.clone(),
                quoted: true,
            }]
        })
        .collect();
    Program {
        nodes: vec![
            Node::Simple {
                assigns: Vec::new(),
                words,
                redirects: Vec::new(),
            },
            Node::List(vec![(0, false)]),
        ],
        root: 1,
    }
}

/// Parses the text of a word as it appears inside `${x:-...}` (no splitting).
pub fn parse_word_text(text: &str) -> Result<Word, String> {
    let mut lexer = Lexer::new(text);
    lexer.word_until_end()
}

fn describe(t: &Tok) -> String {
    match t {
        Tok::Word(w) => format!("\"{}\"", plain(w).unwrap_or("word")),
        Tok::Op(op) => format!("\"{op}\""),
        Tok::Redir { op, .. } => format!("\"{op}\""),
        Tok::Newline => "newline".to_string(),
    }
}

/// The text of a word made only of unquoted literal text (keywords, names).
pub fn plain(word: &Word) -> Option<&str> {
    match word.as_slice() {
        [Seg::Lit {
            text,
            quoted: false,
        }] => Some(text.as_str()),
        _ => None,
    }
}

struct Lexer {
    chars: Vec<char>,
    pos: usize,
}

fn is_meta(c: char) -> bool {
    matches!(
        c,
        ' ' | '\t' | '\n' | ';' | '&' | '|' | '(' | ')' | '<' | '>'
    )
}

fn is_name_start(c: char) -> bool {
    c.is_ascii_alphabetic() || c == '_'
}

fn is_name_char(c: char) -> bool {
    c.is_ascii_alphanumeric() || c == '_'
}

impl Lexer {
    fn new(src: &str) -> Self {
        Lexer {
            chars: src.chars().collect(),
            pos: 0,
        }
    }

    fn peek(&self) -> Option<char> {
        self.chars.get(self.pos).copied()
    }

    fn peek_at(&self, offset: usize) -> Option<char> {
        self.chars.get(self.pos + offset).copied()
    }

    fn starts_with(&self, s: &str) -> bool {
        s.chars()
            .enumerate()
            .all(|(i, c)| self.peek_at(i) == Some(c))
    }

    fn lex(mut self) -> Result<Vec<Tok>, String> {
        let mut toks = Vec::new();
        loop {
            match self.peek() {
                None => return Ok(toks),
                Some(' ' | '\t' | '\r') => self.pos += 1,
                Some('\\') if self.peek_at(1) == Some('\n') => self.pos += 2,
                Some('#') => {
                    while self.peek().is_some_and(|c| c != '\n') {
                        self.pos += 1;
                    }
                }
                Some('\n') => {
                    self.pos += 1;
                    toks.push(Tok::Newline);
                }
                Some(c) => {
                    if self.starts_with("<<") {
                        return Err("syntax error: here-documents are not supported".into());
                    }
                    if let Some(op) = ["&>>", "&&", "||", ";;", ">>", ">&", "<&", "&>"]
                        .into_iter()
                        .find(|op| self.starts_with(op))
                    {
                        self.pos += op.len();
                        toks.push(match op {
                            "&&" | "||" | ";;" => Tok::Op(op),
                            _ => Tok::Redir { fd: None, op },
                        });
                        continue;
                    }
                    match c {
                        ';' | '&' | '|' | '(' | ')' => {
                            self.pos += 1;
                            toks.push(Tok::Op(match c {
                                ';' => ";",
                                '&' => "&",
                                '|' => "|",
                                '(' => "(",
                                _ => ")",
                            }));
                        }
                        '<' | '>' => {
                            self.pos += 1;
                            toks.push(Tok::Redir {
                                fd: None,
                                op: if c == '<' { "<" } else { ">" },
                            });
                        }
                        d if d.is_ascii_digit() => {
                            // An IO number: digits right before a redirection.
                            let mut len = 0;
                            while self.peek_at(len).is_some_and(|c| c.is_ascii_digit()) {
                                len += 1;
                            }
                            if matches!(self.peek_at(len), Some('<' | '>')) && len < 3 {
                                let fd: u32 = self.chars[self.pos..self.pos + len]
                                    .iter()
                                    .collect::<String>()
                                    .parse()
                                    .unwrap_or(1);
                                self.pos += len;
                                let op = if self.starts_with(">>") {
                                    ">>"
                                } else if self.starts_with(">&") {
                                    ">&"
                                } else if self.starts_with("<&") {
                                    "<&"
                                } else if self.starts_with(">") {
                                    ">"
                                } else {
                                    "<"
                                };
                                self.pos += op.len();
                                toks.push(Tok::Redir { fd: Some(fd), op });
                            } else {
                                toks.push(Tok::Word(self.word()?));
                            }
                        }
                        _ => toks.push(Tok::Word(self.word()?)),
                    }
                }
            }
        }
    }

    fn push_lit(segs: &mut Word, c: char, quoted: bool) {
        if let Some(Seg::Lit { text, quoted: q }) = segs.last_mut() {
            if *q == quoted {
                text.push(c);
                return;
            }
        }
        segs.push(Seg::Lit {
            text: c.to_string(),
            quoted,
        });
    }

    /// Reads one word up to an unquoted metacharacter.
    fn word(&mut self) -> Result<Word, String> {
        let mut segs = Word::new();
        while let Some(c) = self.peek() {
            if is_meta(c) {
                break;
            }
            self.word_char(&mut segs)?;
        }
        Ok(segs)
    }

    /// Reads everything left as one word (for `${x:-...}` defaults).
    fn word_until_end(&mut self) -> Result<Word, String> {
        let mut segs = Word::new();
        while self.peek().is_some() {
            self.word_char(&mut segs)?;
        }
        Ok(segs)
    }

    fn word_char(&mut self, segs: &mut Word) -> Result<(), String> {
        let Some(c) = self.peek() else {
            return Ok(());
        };
        match c {
            '\'' => {
                self.pos += 1;
                let mut text = String::new();
                loop {
                    match self.peek() {
                        None => return Err("syntax error: unterminated quoted string".into()),
                        Some('\'') => {
                            self.pos += 1;
                            break;
                        }
                        Some(c) => {
                            text.push(c);
                            self.pos += 1;
                        }
                    }
                }
                segs.push(Seg::Lit { text, quoted: true });
            }
            '"' => {
                self.pos += 1;
                // An empty "" still makes a (quoted, empty) word.
                segs.push(Seg::Lit {
                    text: String::new(),
                    quoted: true,
                });
                loop {
                    match self.peek() {
                        None => return Err("syntax error: unterminated quoted string".into()),
                        Some('"') => {
                            self.pos += 1;
                            break;
                        }
                        Some('\\') => {
                            let next = self.peek_at(1);
                            match next {
                                Some('$' | '`' | '"' | '\\') => {
                                    Self::push_lit(segs, next.unwrap_or('\\'), true);
                                    self.pos += 2;
                                }
                                Some('\n') => self.pos += 2,
                                _ => {
                                    Self::push_lit(segs, '\\', true);
                                    self.pos += 1;
                                }
                            }
                        }
                        Some('$') => self.dollar(segs, true)?,
                        Some('`') => self.backquote(segs, true)?,
                        Some(c) => {
                            Self::push_lit(segs, c, true);
                            self.pos += 1;
                        }
                    }
                }
            }
            '\\' => {
                match self.peek_at(1) {
                    Some('\n') => {}
                    Some(n) => Self::push_lit(segs, n, true),
                    None => Self::push_lit(segs, '\\', false),
                }
                self.pos += 2;
            }
            '$' => self.dollar(segs, false)?,
            '`' => self.backquote(segs, false)?,
            c => {
                Self::push_lit(segs, c, false);
                self.pos += 1;
            }
        }
        Ok(())
    }

    fn backquote(&mut self, segs: &mut Word, quoted: bool) -> Result<(), String> {
        self.pos += 1;
        let mut script = String::new();
        loop {
            match self.peek() {
                None => return Err("syntax error: unterminated quoted string".into()),
                Some('`') => {
                    self.pos += 1;
                    break;
                }
                Some('\\') if matches!(self.peek_at(1), Some('`' | '\\' | '$')) => {
                    script.push(self.peek_at(1).unwrap_or('\\'));
                    self.pos += 2;
                }
                Some(c) => {
                    script.push(c);
                    self.pos += 1;
                }
            }
        }
        segs.push(Seg::CmdSub { script, quoted });
        Ok(())
    }

    /// Text up to the `close` matching an already consumed opener, honouring quotes.
    fn balanced(&mut self, open: char, close: char) -> Result<String, String> {
        let mut depth = 1;
        let mut text = String::new();
        let mut quote: Option<char> = None;
        loop {
            let Some(c) = self.peek() else {
                return Err(format!("syntax error: missing '{close}'"));
            };
            self.pos += 1;
            match quote {
                Some(q) => {
                    if c == q {
                        quote = None;
                    } else if c == '\\' && q == '"' {
                        text.push(c);
                        if let Some(n) = self.peek() {
                            text.push(n);
                            self.pos += 1;
                        }
                        continue;
                    }
                }
                None => {
                    if c == '\'' || c == '"' {
                        quote = Some(c);
                    } else if c == '\\' {
                        text.push(c);
                        if let Some(n) = self.peek() {
                            text.push(n);
                            self.pos += 1;
                        }
                        continue;
                    } else if c == open {
                        depth += 1;
                    } else if c == close {
                        depth -= 1;
                        if depth == 0 {
                            return Ok(text);
                        }
                    }
                }
            }
            text.push(c);
        }
    }

    fn dollar(&mut self, segs: &mut Word, quoted: bool) -> Result<(), String> {
        self.pos += 1;
        match self.peek() {
            Some('(') if self.peek_at(1) == Some('(') => {
                self.pos += 2;
                let inner = self.balanced('(', ')')?;
                // The second closing parenthesis.
                if self.peek() == Some(')') {
                    self.pos += 1;
                    segs.push(Seg::Arith {
                        expr: inner,
                        quoted,
                    });
                } else {
                    // `$( (...) )`: a command substitution of a subshell.
                    segs.push(Seg::CmdSub {
                        script: format!("({inner})"),
                        quoted,
                    });
                }
            }
            Some('(') => {
                self.pos += 1;
                let script = self.balanced('(', ')')?;
                segs.push(Seg::CmdSub { script, quoted });
            }
            Some('{') => {
                self.pos += 1;
                let inner = self.balanced('{', '}')?;
                segs.push(braced_param(&inner, quoted)?);
            }
            Some(c) if is_name_start(c) => {
                let mut name = String::new();
                while let Some(c) = self.peek().filter(|c| is_name_char(*c)) {
                    name.push(c);
                    self.pos += 1;
                }
                segs.push(Seg::Param {
                    name,
                    op: ParamOp::Plain,
                    quoted,
                });
            }
            Some(c) if c.is_ascii_digit() || "?$#@*!-".contains(c) => {
                self.pos += 1;
                segs.push(Seg::Param {
                    name: c.to_string(),
                    op: ParamOp::Plain,
                    quoted,
                });
            }
            _ => Self::push_lit(segs, '$', quoted),
        }
        Ok(())
    }
}

fn braced_param(inner: &str, quoted: bool) -> Result<Seg, String> {
    let bad = || format!("syntax error: bad substitution ${{{inner}}}");
    if let Some(name) = inner.strip_prefix('#') {
        if let Some(array) = name
            .strip_suffix("[@]")
            .or_else(|| name.strip_suffix("[*]"))
            .filter(|a| !a.is_empty() && a.chars().all(is_name_char))
        {
            return Ok(Seg::Param {
                name: array.to_string(),
                op: ParamOp::Count,
                quoted,
            });
        }
        if !name.is_empty() && (name.chars().all(is_name_char) || name.len() == 1) {
            return Ok(Seg::Param {
                name: name.to_string(),
                op: ParamOp::Length,
                quoted,
            });
        }
        return Err(bad());
    }
    let name_len = if inner.starts_with(|c: char| c.is_ascii_digit() || "?$#@*!".contains(c)) {
        1
    } else {
        inner
            .find(|c: char| !is_name_char(c))
            .unwrap_or(inner.len())
    };
    if name_len == 0 {
        return Err(bad());
    }
    let (name, rest) = inner.split_at(name_len);
    let op = if rest.is_empty() {
        ParamOp::Plain
    } else if let Some(index) = rest.strip_prefix('[').and_then(|r| r.strip_suffix(']')) {
        match index {
            "@" | "*" => ParamOp::Elements,
            "" => return Err(bad()),
            _ => ParamOp::Element(parse_word_text(index)?),
        }
    } else {
        let (colon, rest) = match rest.strip_prefix(':') {
            Some(r) => (true, r),
            None => (false, rest),
        };
        let mut chars = rest.chars();
        let kind = chars.next().ok_or_else(bad)?;
        let word = parse_word_text(chars.as_str())?;
        match kind {
            '-' | '=' => ParamOp::Default { word, colon },
            '+' => ParamOp::Alternate { word, colon },
            _ => return Err(bad()),
        }
    };
    Ok(Seg::Param {
        name: name.to_string(),
        op,
        quoted,
    })
}

struct Parser {
    toks: Vec<Tok>,
    pos: usize,
    nodes: Vec<Node>,
    depth: usize,
}

impl Parser {
    fn peek(&self) -> Option<&Tok> {
        self.toks.get(self.pos)
    }

    fn push(&mut self, node: Node) -> NodeId {
        self.nodes.push(node);
        self.nodes.len() - 1
    }

    fn at_keyword(&self, words: &[&str]) -> bool {
        match self.peek() {
            Some(Tok::Word(w)) => plain(w).is_some_and(|p| words.contains(&p)),
            Some(Tok::Op(")")) => words.contains(&")"),
            _ => false,
        }
    }

    fn expect_keyword(&mut self, word: &str) -> Result<(), String> {
        if self.at_keyword(&[word]) {
            self.pos += 1;
            return Ok(());
        }
        Err(match self.peek() {
            Some(t) => format!(
                "syntax error: unexpected {} (expecting \"{word}\")",
                describe(t)
            ),
            None => format!("syntax error: unexpected end of file (expecting \"{word}\")"),
        })
    }

    fn skip_newlines(&mut self) {
        while matches!(self.peek(), Some(Tok::Newline)) {
            self.pos += 1;
        }
    }

    /// A list of and-or items up to one of the terminators (or the end).
    fn list(&mut self, terminators: &[&str], top: bool) -> Result<NodeId, String> {
        self.depth += 1;
        if self.depth > MAX_NESTING {
            return Err("syntax error: nested too deeply".into());
        }
        let mut items = Vec::new();
        loop {
            self.skip_newlines();
            if self.peek().is_none() || self.at_keyword(terminators) {
                break;
            }
            if !top && terminators.is_empty() {
                break;
            }
            let item = self.and_or()?;
            let background = match self.peek() {
                Some(Tok::Op("&")) => {
                    self.pos += 1;
                    true
                }
                Some(Tok::Op(";")) | Some(Tok::Newline) => {
                    self.pos += 1;
                    false
                }
                None => false,
                Some(_) if self.at_keyword(terminators) => false,
                Some(t) => return Err(format!("syntax error: unexpected {}", describe(t))),
            };
            items.push((item, background));
        }
        self.depth -= 1;
        if items.is_empty() && !top {
            return Err(match self.peek() {
                Some(t) => format!("syntax error: unexpected {}", describe(t)),
                None => "syntax error: unexpected end of file".into(),
            });
        }
        Ok(self.push(Node::List(items)))
    }

    fn and_or(&mut self) -> Result<NodeId, String> {
        let first = self.pipeline()?;
        let mut rest = Vec::new();
        loop {
            let op = match self.peek() {
                Some(Tok::Op("&&")) => AndOrOp::And,
                Some(Tok::Op("||")) => AndOrOp::Or,
                _ => break,
            };
            self.pos += 1;
            self.skip_newlines();
            rest.push((op, self.pipeline()?));
        }
        if rest.is_empty() {
            return Ok(first);
        }
        Ok(self.push(Node::AndOr(first, rest)))
    }

    fn pipeline(&mut self) -> Result<NodeId, String> {
        let negate = self.at_keyword(&["!"]);
        if negate {
            self.pos += 1;
        }
        let mut commands = vec![self.command()?];
        while matches!(self.peek(), Some(Tok::Op("|"))) {
            self.pos += 1;
            self.skip_newlines();
            commands.push(self.command()?);
        }
        if !negate && commands.len() == 1 {
            return Ok(commands[0]);
        }
        Ok(self.push(Node::Pipeline { negate, commands }))
    }

    fn redirects(&mut self, redirects: &mut Vec<Redirect>) -> Result<bool, String> {
        let Some(Tok::Redir { fd, op }) = self.peek().cloned() else {
            return Ok(false);
        };
        self.pos += 1;
        let target = match self.peek() {
            Some(Tok::Word(w)) => w.clone(),
            Some(t) => return Err(format!("syntax error: unexpected {}", describe(t))),
            None => return Err("syntax error: unexpected end of file".into()),
        };
        self.pos += 1;
        match op {
            ">" | ">>" => redirects.push(Redirect {
                fd: fd.unwrap_or(1),
                op: RedirOp::Out { append: op == ">>" },
                target,
            }),
            "<" => redirects.push(Redirect {
                fd: fd.unwrap_or(0),
                op: RedirOp::In,
                target,
            }),
            ">&" | "<&" => redirects.push(Redirect {
                fd: fd.unwrap_or(if op == ">&" { 1 } else { 0 }),
                op: RedirOp::Dup,
                target,
            }),
            _ => {
                // `&>file` and `&>>file`: stdout to the file, stderr along.
                redirects.push(Redirect {
                    fd: 1,
                    op: RedirOp::Out {
                        append: op == "&>>",
                    },
                    target,
                });
                redirects.push(Redirect {
                    fd: 2,
                    op: RedirOp::Dup,
                    target: vec![Seg::Lit {
                        text: "1".into(),
                        quoted: true,
                    }],
                });
            }
        }
        Ok(true)
    }

    fn trailing_redirects(&mut self) -> Result<Vec<Redirect>, String> {
        let mut redirects = Vec::new();
        while self.redirects(&mut redirects)? {}
        Ok(redirects)
    }

    fn command(&mut self) -> Result<NodeId, String> {
        self.depth += 1;
        if self.depth > MAX_NESTING {
            return Err("syntax error: nested too deeply".into());
        }
        let node = self.command_inner();
        self.depth -= 1;
        node
    }

    fn command_inner(&mut self) -> Result<NodeId, String> {
        match self.peek().cloned() {
            Some(Tok::Op("(")) => {
                self.pos += 1;
                let body = self.list(&[")"], false)?;
                self.expect_keyword(")")?;
                let redirects = self.trailing_redirects()?;
                return Ok(self.push(Node::Group {
                    body,
                    subshell: true,
                    redirects,
                }));
            }
            Some(Tok::Word(w)) => match plain(&w) {
                Some("if") => return self.if_clause(),
                Some(kw @ ("while" | "until")) => {
                    self.pos += 1;
                    let cond = self.list(&["do"], false)?;
                    self.expect_keyword("do")?;
                    let body = self.list(&["done"], false)?;
                    self.expect_keyword("done")?;
                    let redirects = self.trailing_redirects()?;
                    return Ok(self.push(Node::Loop {
                        cond,
                        body,
                        until: kw == "until",
                        redirects,
                    }));
                }
                Some("for") => return self.for_clause(),
                Some("{") => {
                    self.pos += 1;
                    let body = self.list(&["}"], false)?;
                    self.expect_keyword("}")?;
                    let redirects = self.trailing_redirects()?;
                    return Ok(self.push(Node::Group {
                        body,
                        subshell: false,
                        redirects,
                    }));
                }
                Some("case") => {
                    return Err("syntax error: case is not supported by this shell".into())
                }
                Some(
                    kw @ ("then" | "else" | "elif" | "fi" | "do" | "done" | "}" | "esac" | "in"),
                ) if kw != "in" => {
                    return Err(format!("syntax error: unexpected \"{kw}\""));
                }
                _ => {}
            },
            Some(Tok::Redir { .. }) => {}
            Some(t) => return Err(format!("syntax error: unexpected {}", describe(&t))),
            None => return Err("syntax error: unexpected end of file".into()),
        }
        self.simple()
    }

    fn simple(&mut self) -> Result<NodeId, String> {
        let mut assigns = Vec::new();
        let mut words: Vec<Word> = Vec::new();
        let mut redirects = Vec::new();
        loop {
            if self.redirects(&mut redirects)? {
                continue;
            }
            match self.peek() {
                Some(Tok::Word(w)) => {
                    let w = w.clone();
                    self.pos += 1;
                    if words.is_empty() {
                        if let Some((name, value)) = split_assignment(&w) {
                            if value.is_empty() && matches!(self.peek(), Some(Tok::Op("("))) {
                                self.pos += 1;
                                self.array_assignment(&name, &mut assigns)?;
                                continue;
                            }
                            assigns.push((name, value));
                            continue;
                        }
                    }
                    words.push(w);
                }
                Some(Tok::Op("(")) if words.len() == 1 && assigns.is_empty() => {
                    return Err("syntax error: functions are not supported by this shell".into());
                }
                _ => break,
            }
        }
        if words.is_empty() && assigns.is_empty() && redirects.is_empty() {
            return Err(match self.peek() {
                Some(t) => format!("syntax error: unexpected {}", describe(t)),
                None => "syntax error: unexpected end of file".into(),
            });
        }
        Ok(self.push(Node::Simple {
            assigns,
            words,
            redirects,
        }))
    }

    /// bash's `name=(a b c)`, after its `(`: an assignment to `name[]` with no
    /// word starts the array, then one `name[]` per element, in order.
    fn array_assignment(
        &mut self,
        name: &str,
        assigns: &mut Vec<(String, Word)>,
    ) -> Result<(), String> {
        let key = format!("{name}[]");
        assigns.push((key.clone(), Vec::new()));
        loop {
            match self.peek() {
                Some(Tok::Newline) => self.pos += 1,
                Some(Tok::Word(w)) => {
                    let w = w.clone();
                    self.pos += 1;
                    assigns.push((key.clone(), w));
                }
                Some(Tok::Op(")")) => {
                    self.pos += 1;
                    return Ok(());
                }
                Some(t) => return Err(format!("syntax error: unexpected {}", describe(t))),
                None => return Err("syntax error: unexpected end of file".into()),
            }
        }
    }

    fn if_clause(&mut self) -> Result<NodeId, String> {
        self.pos += 1;
        let mut branches = Vec::new();
        let cond = self.list(&["then"], false)?;
        self.expect_keyword("then")?;
        let body = self.list(&["elif", "else", "fi"], false)?;
        branches.push((cond, body));
        let mut otherwise = None;
        loop {
            if self.at_keyword(&["elif"]) {
                self.pos += 1;
                let cond = self.list(&["then"], false)?;
                self.expect_keyword("then")?;
                let body = self.list(&["elif", "else", "fi"], false)?;
                branches.push((cond, body));
                continue;
            }
            if self.at_keyword(&["else"]) {
                self.pos += 1;
                otherwise = Some(self.list(&["fi"], false)?);
            }
            break;
        }
        self.expect_keyword("fi")?;
        let redirects = self.trailing_redirects()?;
        Ok(self.push(Node::If {
            branches,
            otherwise,
            redirects,
        }))
    }

    fn for_clause(&mut self) -> Result<NodeId, String> {
        self.pos += 1;
        let var = match self.peek() {
            Some(Tok::Word(w)) => match plain(w) {
                Some(name)
                    if name.chars().next().is_some_and(is_name_start)
                        && name.chars().all(is_name_char) =>
                {
                    name.to_string()
                }
                _ => {
                    return Err(format!(
                        "syntax error: bad for loop variable {}",
                        describe(&Tok::Word(w.clone()))
                    ))
                }
            },
            Some(Tok::Op("(")) => {
                return Err("syntax error: for (( )) loops are not supported by this shell".into())
            }
            Some(t) => return Err(format!("syntax error: unexpected {}", describe(t))),
            None => return Err("syntax error: unexpected end of file".into()),
        };
        self.pos += 1;
        self.skip_newlines();
        let mut items = None;
        if self.at_keyword(&["in"]) {
            self.pos += 1;
            let mut list = Vec::new();
            while let Some(Tok::Word(w)) = self.peek() {
                list.push(w.clone());
                self.pos += 1;
            }
            items = Some(list);
        }
        if matches!(self.peek(), Some(Tok::Op(";")) | Some(Tok::Newline)) {
            self.pos += 1;
        }
        self.skip_newlines();
        self.expect_keyword("do")?;
        let body = self.list(&["done"], false)?;
        self.expect_keyword("done")?;
        let redirects = self.trailing_redirects()?;
        Ok(self.push(Node::For {
            var,
            items,
            body,
            redirects,
        }))
    }
}

/// `NAME=value` at the start of a simple command.
fn split_assignment(word: &Word) -> Option<(String, Word)> {
    let Some(Seg::Lit {
        text,
        quoted: false,
    }) = word.first()
    else {
        return None;
    };
    let eq = text.find('=')?;
    let name = &text[..eq];
    if name.is_empty()
        || !name.chars().next().is_some_and(is_name_start)
        || !name.chars().all(is_name_char)
    {
        return None;
    }
    let mut value = Vec::new();
    let rest = &text[eq + 1..];
    if !rest.is_empty() {
        value.push(Seg::Lit {
            text: rest.to_string(),
            quoted: false,
        });
    }
    value.extend(word[1..].iter().cloned());
    Some((name.to_string(), value))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn lit(s: &str) -> Seg {
        Seg::Lit {
            text: s.into(),
            quoted: false,
        }
    }

    #[test]
    fn parses_the_example_scripts() {
        for script in [
            "touch /tmp/healthy; sleep 30; rm -f /tmp/healthy; sleep 600",
            "while true; do echo hello; sleep 10;done",
            "for i in 1 2 3; do echo $i; done",
            "if [ -f /tmp/x ]; then echo yes; elif true; then :; else echo no; fi",
            "until nslookup myservice.$(cat /var/run/secrets/kubernetes.io/serviceaccount/namespace).svc.cluster.local; do echo waiting for myservice; sleep 2; done",
            "echo \"The app is running!\" && sleep 3600",
            "trap : TERM INT; sleep infinity & wait",
            "{ echo a; echo b; } > /tmp/out 2>&1",
            "(cd /tmp && ls) | wc -l",
            "x=$((1 + 2)); echo ${x:-none} ${#x} `date`",
            "while true\ndo\n  date >> /html/index.html\n  sleep 1\ndone\n",
        ] {
            parse(script).unwrap_or_else(|e| panic!("{script}: {e}"));
        }
    }

    #[test]
    fn words_keep_their_quoting() {
        let p = parse("echo 'a b' \"$HOME x\" c\\ d").unwrap();
        let Node::Simple { words, .. } = &p.nodes[0] else {
            panic!("{p:?}")
        };
        assert_eq!(words[0], vec![lit("echo")]);
        assert_eq!(
            words[1],
            vec![Seg::Lit {
                text: "a b".into(),
                quoted: true
            }]
        );
        assert_eq!(
            words[2],
            vec![
                Seg::Lit {
                    text: String::new(),
                    quoted: true
                },
                Seg::Param {
                    name: "HOME".into(),
                    op: ParamOp::Plain,
                    quoted: true
                },
                Seg::Lit {
                    text: " x".into(),
                    quoted: true
                }
            ]
        );
        assert_eq!(
            words[3],
            vec![
                lit("c"),
                Seg::Lit {
                    text: " ".into(),
                    quoted: true
                },
                lit("d")
            ]
        );
    }

    #[test]
    fn syntax_errors_read_like_ash() {
        assert_eq!(
            parse("while true; do echo").unwrap_err(),
            "syntax error: unexpected end of file (expecting \"done\")"
        );
        assert_eq!(
            parse("echo 'oops").unwrap_err(),
            "syntax error: unterminated quoted string"
        );
        assert_eq!(
            parse("done").unwrap_err(),
            "syntax error: unexpected \"done\""
        );
        assert!(parse("case x in a) ;; esac").is_err());
        assert!(parse("f() { echo; }").is_err());
        assert_eq!(parse("").unwrap().nodes, vec![Node::List(vec![])]);
    }

    #[test]
    fn deep_nesting_is_refused_not_overflowed() {
        let script = format!("{}true{}", "( ".repeat(500), " )".repeat(500));
        assert!(parse(&script).is_err());
        let script = "{ ".repeat(2000);
        assert!(parse(&script).is_err());
    }
}
