#!/usr/bin/env python3
# SPDX-License-Identifier: LGPL-2.1-or-later
"""gen-man.py - libcprhold's man pages, written from its header.

  man/gen-man.py            (re)write the pages
  man/gen-man.py --check    write nothing; print TAP lines and exit 1 if a
                            page is missing, stale or out of line with the
                            header (make -C userspace/lib abi-check)

For every function of userspace/lib/libcprhold.map it writes
man/<function>.3, and in the overview man/libcprhold.3 (otherwise written
by hand) the parts between ".\\" BEGIN <PART>" and ".\\" END <PART>": the
list of functions and the example.  The sources:

  userspace/lib/include/libcprhold.h
      each function's kernel-doc comment and prototype, and the lines
      "/* ---- <group> ---- */" that group the functions;
  man/examples/<page>.c
      each page's example, a complete program that "make -C userspace/lib
      check" builds with -Wall -Wextra -Werror.  A leading comment (after
      the SPDX line) becomes the sentence that introduces it; the rest is
      shown as it is (indented with four spaces, as man-pages do).

The pages are committed: packaging needs no Python.  After editing a
comment or an example, run "make -C userspace/lib man".

A function's comment, as kernel-doc reads it, and where each part goes:

  /**
   * cprhold_foo() - what it does, in one line          NAME
   *	(continued on lines indented by a tab)
   * @arg: what the argument is (continued on lines      DESCRIPTION: a
   *	indented by a tab)                               tagged list
   *
   * Paragraphs of description.  One that ends in "::"   DESCRIPTION, after
   * introduces a literal block indented by a tab.       the list
   *
   * Return: what it returns, as the object of           RETURN VALUE
   * "returns"; then one item per errno:
   * * %-EFOO - what EFOO means for this function        ERRORS, one item
   *   (continued on lines indented by two spaces)       each, sorted
   * * a remark without an errno                         ERRORS, after them
   */

Return: comes last and has no blank line (kernel-doc ends the section
at one).  A function that returns int lists every errno it can return;
one that returns something else cannot fail and lists none.

In the text: @arg is set in italics; name() and name(N) (a reference),
CONSTANT_NAMES and errno names in bold; <header.h> and /absolute/paths in
italics.  Hyphens between a letter or digit and a letter stay hyphens,
every other "-" is a minus sign (\\-).

Standard library only.
"""

import argparse
import difflib
import errno
import os
import re
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
TOP = os.path.dirname(HERE)
HEADER = os.path.join(TOP, 'userspace', 'lib', 'include', 'libcprhold.h')
MAPFILE = os.path.join(TOP, 'userspace', 'lib', 'libcprhold.map')
OVERVIEW = 'libcprhold'
LICENSE = 'LGPL-2.1-or-later'
SYNOPSIS_WIDTH = 72
LINE_WIDTH = 78         # roff text lines (mandoc -Tlint: at most 80)
EXAMPLE_WIDTH = 72      # an 80-column terminal, less the section's indent

# kernel-doc's section names (scripts/kernel-doc, $doc_sect)
SECTION = re.compile(r'\s*(description|context|returns?|notes?|examples?)\s*:(.*)$',
                     re.I)


class Error(Exception):
    pass


def rel(path):
    return os.path.relpath(path, TOP)


# ---- roff ---------------------------------------------------------------

def esc(text, minus=False):
    """Escape @text for roff; @minus: every '-' is a minus sign."""
    text = text.replace('\\', '\\e')
    out = []
    for i, c in enumerate(text):
        if c == '-' and not minus:
            prev = text[i - 1] if i else ''
            nxt = text[i + 1] if i + 1 < len(text) else ''
            out.append('-' if prev.isalnum() and nxt.isalpha() else '\\-')
        elif c == '-':
            out.append('\\-')
        else:
            out.append(c)
    return ''.join(out)


def bold(text):
    return '\\fB' + text + '\\fR'


def italic(text):
    return '\\fI' + text + '\\fR'


INLINE = re.compile(r'''
    (?P<quote>"[^"]*")
  | (?P<cls>\[[^\]\s]+\])
  | (?P<pct>%-?[A-Za-z_][\w*]*)
  | (?P<param>\*?@\w+)
  | (?P<call>\b\w+\(\))
  | (?P<ref>\b[A-Za-z][\w.+-]*\([1-8]\))
  | (?P<hdr><[\w/.-]+\.h>)
  | (?P<path>(?<![\w/.@])/(?:dev|proc|sys|etc|run|tmp|usr)\b(?:/[\w.@+-]+)*
             |\bDocumentation(?:/[\w.-]+)+\.rst\b)
  | (?P<errno>-?\bE[A-Z0-9]{2,}\b)
  | (?P<const>\b[A-Z][A-Z0-9]*(?:_(?:[A-Z0-9]+|\*))+|\bPOLL[A-Z]+\b)
''', re.X)


def inline(text, minus=False):
    """One line of comment text as roff, with fonts."""
    out = []
    pos = 0
    for m in INLINE.finditer(text):
        out.append(esc(text[pos:m.start()], minus))
        pos = m.end()
        kind, s = m.lastgroup, m.group()
        if kind == 'quote':
            out.append('"' + inline(s[1:-1], True) + '"')
        elif kind == 'cls':
            out.append(esc(s, True))
        elif kind == 'pct':
            out.append(bold(esc(s[1:], True)))
        elif kind == 'param':
            out.append(italic(s.replace('@', '')))
        elif kind == 'call':
            out.append(bold(esc(s[:-2], True)) + '()')
        elif kind == 'ref':
            name, sect = s[:-1].rsplit('(', 1)
            out.append(bold(esc(name, True)) + '(' + sect + ')')
        elif kind in ('hdr', 'path'):
            out.append(italic(esc(s, True)))
        elif kind == 'errno':
            out.append(bold(esc(s, True)) if hasattr(errno, s.lstrip('-'))
                       else esc(s, minus))
        else:
            out.append(bold(esc(s, True)))
    out.append(esc(text[pos:], minus))
    return ''.join(out)


def text_line(line):
    """A roff text line: no leading control character."""
    line = line.rstrip()
    return '\\&' + line if line.startswith(('.', "'")) else line


def join_lines(lines):
    """Lines of one paragraph as one string; a line that ends a sentence
    is followed by two spaces, as inside the lines."""
    text = ''
    for line in lines:
        line = line.strip()
        if not text:
            text = line
        elif re.search(r'[.?!]$', text) and not re.search(r'\b(e\.g|i\.e)\.$', text):
            text += '  ' + line
        else:
            text += ' ' + line
    return text


def wrap(line):
    """A roff text line as lines of at most LINE_WIDTH bytes (as long as
    words allow), never broken after a word that would end a sentence."""
    units = []
    for word in line.split(' '):
        if units and re.search(r'[.?!][)\]"\'*]*$', units[-1]):
            units[-1] += ' ' + word     # e.g. X: no break after "e.g."
        else:
            units.append(word)
    out, cur = [], ''
    for unit in units:
        if cur and len(cur) + 1 + len(unit) > LINE_WIDTH:
            out.append(cur)
            cur = unit
        else:
            cur = cur + ' ' + unit if cur else unit
    return [text_line(l) for l in out + [cur]]


def sentences(text):
    """Roff lines for a paragraph: each sentence on lines of its own."""
    out = []
    for s in re.split(r'(?<=[.?!])\s{2,}', text.strip()):
        if s:
            out += wrap(inline(' '.join(s.split())))
    return out


def sentence(text):
    """@text as a sentence: capitalised, with a final period."""
    text = text.strip()
    if re.match(r'[a-z]+(?![\w(])', text):    # a word, not an identifier
        text = text[0].upper() + text[1:]
    return text if text.endswith('.') else text + '.'


def code_lines(lines):
    return [text_line(esc(l.rstrip(), True)) for l in lines]


def literal_block(code):
    # .EE turns hyphenation back on
    return ['.in +4n', '.EX'] + code_lines(code) + ['.EE', '.nh', '.in']


def render_text(lines):
    """Comment paragraphs as a list of paragraphs (lists of roff lines)."""
    blocks, cur = [], []
    for line in lines + ['']:
        if line.strip():
            cur.append(line)
        elif cur:
            blocks.append(cur)
            cur = []
    paras = []
    literal = None
    for block in blocks:
        indented = all(l.startswith(('\t', ' ')) for l in block)
        if literal is not None and indented:
            literal += ([''] if literal else []) + \
                [(l[1:] if l.startswith('\t') else l).expandtabs(4) for l in block]
            continue
        if literal is not None:
            if not literal:
                raise Error('a literal block ("::") must be indented')
            paras.append(literal_block(literal))
            literal = None
        text = join_lines(block)
        if text.endswith('::'):
            text = text[:-1]
            literal = []
        paras.append(sentences(text))
    if literal is not None:
        if not literal:
            raise Error('"::" without a literal block')
        paras.append(literal_block(literal))
    return paras


def join_paras(paras):
    out = []
    for p in paras:
        if out:
            out.append('.PP')
        out += p
    return out


def roff_args(line):
    """The arguments of a roff macro line (.B, .BI, ...), unescaped."""
    args, cur, quoted, i = [], None, False, 0
    while i < len(line):
        c = line[i]
        if quoted:
            if c == '"':
                if line[i + 1:i + 2] == '"':
                    cur += '"'
                    i += 1
                else:
                    quoted = False
            else:
                cur += c
        elif c == '"':
            quoted = True
            cur = cur or ''
        elif c in ' \t':
            if cur is not None:
                args.append(cur)
                cur = None
        else:
            cur = (cur or '') + c
        i += 1
    if cur is not None:
        args.append(cur)
    return [re.sub(r'\\f[BIRP]', '', a).replace('\\-', '-').replace('\\e', '\\')
            .replace('\\&', '') for a in args]


# ---- the header -------------------------------------------------------------

class Func:
    def __init__(self, name, purpose, params, desc, ret, proto, group, line):
        self.name = name
        self.purpose = purpose
        self.params = params        # [(name, text)]
        self.desc = desc            # comment lines
        self.proto = proto          # one line, normalised
        self.group = group
        self.line = line
        self.rtype, self.args = parse_proto(proto, line)
        self.ret, self.errors, self.notes = parse_return(ret, name)
        if [p for p, _ in params] != [a[1] for a in self.args]:
            raise Error('%s: the @arguments (%s) are not the prototype\'s (%s)'
                        % (name, ', '.join(p for p, _ in params),
                           ', '.join(a[1] for a in self.args)))
        if self.rtype == 'int' and not self.errors:
            raise Error('%s returns int but lists no errno under Return:' % name)
        if self.rtype != 'int' and self.errors:
            raise Error('%s does not return int but lists errnos' % name)
        if self.rtype != 'void' and not self.ret:
            raise Error('%s: no Return: section' % name)


def parse_proto(proto, line):
    m = re.match(r'(.+?)\b(\w+)\((.*)\);$', proto)
    if not m:
        raise Error('line %d: cannot read the prototype %r' % (line, proto))
    args = []
    for a in m.group(3).split(','):
        a = a.strip()
        if a == 'void':
            continue
        am = re.match(r'(.*?)(\w+)(\[[^\]]*\])?$', a)
        if not am or not am.group(1).strip():
            raise Error('line %d: cannot read the argument %r' % (line, a))
        args.append((am.group(1), am.group(2), am.group(3) or ''))
    return m.group(1).strip(), args


def parse_return(lines, name):
    head, items = [], []
    for line in lines:
        if line.startswith('* '):
            items.append([line[2:].strip()])
        elif items and line.startswith('  ') and line.strip():
            items[-1].append(line.strip())
        elif not items and line.strip():
            head.append(line)
        else:
            raise Error('%s: Return: line %r is neither an item ("* ") nor its '
                        'continuation (two spaces)' % (name, line))
    errors, notes, seen = [], [], set()
    for item in items:
        text = join_lines(item)
        m = re.match(r'%-(E[A-Z0-9]+)\s+-\s+(.*)$', text)
        if m:
            if not hasattr(errno, m.group(1)):
                raise Error('%s: %s is no errno' % (name, m.group(1)))
            if m.group(1) in seen:
                raise Error('%s: %s is listed twice' % (name, m.group(1)))
            seen.add(m.group(1))
            errors.append((m.group(1), m.group(2)))
        elif re.match(r'%-?E[A-Z0-9]+', text):
            raise Error('%s: write an errno item as "* %%-EFOO - meaning": %r'
                        % (name, text))
        else:
            notes.append(text)
    errors.sort()
    return join_lines(head), errors, notes


def parse_func(body, decl, line, group):
    m = re.match(r'(\w+)\(\) - (.*)$', body[0])
    name, purpose = m.group(1), m.group(2).strip()
    i = 1
    while i < len(body) and body[i].strip() and not body[i].startswith('@'):
        purpose += ' ' + body[i].strip()
        i += 1
    params = []
    while i < len(body) and body[i].startswith('@'):
        pm = re.match(r'@(\w+):\s*(.*)$', body[i])
        if not pm:
            raise Error('line %d: bad argument line %r' % (line + i, body[i]))
        text = [pm.group(2)]
        i += 1
        while (i < len(body) and body[i].strip() and not body[i].startswith('@')
               and not SECTION.match(body[i])):
            text.append(body[i])
            i += 1
        params.append((pm.group(1), join_lines(text)))
    desc, ret = [], None
    cur = desc
    for j in range(i, len(body)):
        sm = SECTION.match(body[j])
        if sm:
            sect = sm.group(1).lower()
            if ret is not None:
                raise Error('%s: Return: must be the last section' % name)
            if sect == 'description':
                cur = desc
            elif sect in ('return', 'returns'):
                ret = []
                cur = ret
            else:
                raise Error('%s: section %s: is not used here (Description, '
                            'Return)' % (name, sm.group(1)))
            if sm.group(2).strip():
                cur.append(sm.group(2).strip())
            continue
        if cur is ret and not body[j].strip():
            raise Error('%s: a blank line in Return: (kernel-doc ends the '
                        'section there)' % name)
        cur.append(body[j])
    while desc and not desc[0].strip():
        desc.pop(0)
    while desc and not desc[-1].strip():
        desc.pop()
    return Func(name, purpose, params, desc, ret or [],
                ' '.join(decl.split()).replace('( ', '(').replace(' )', ')'),
                group, line)


def parse_header(path):
    with open(path) as f:
        lines = f.read().split('\n')
    funcs = {}
    group = None
    version = {}
    i = 0
    while i < len(lines):
        line = lines[i]
        m = re.match(r'#define LIBCPRHOLD_VERSION_(\w+)\s+(\d+)$', line)
        if m:
            version[m.group(1)] = m.group(2)
        m = re.match(r'/\* -+ (.*?) -+ \*/$', line)
        if m:
            group = m.group(1)
        if line.strip() != '/**':
            i += 1
            continue
        start = i + 1
        body = []
        i += 1
        while i < len(lines) and lines[i].strip() != '*/':
            bm = re.match(r'\s*\* ?(.*)$', lines[i])
            if not bm:
                raise Error('%s:%d: not a comment line' % (rel(path), i + 1))
            body.append(bm.group(1))
            i += 1
        i += 1
        decl = []
        while i < len(lines):
            decl.append(lines[i])
            if ';' in lines[i] or '{' in lines[i]:
                break
            i += 1
        i += 1
        if body and re.match(r'\w+\(\) - ', body[0]):
            try:
                f = parse_func(body, ' '.join(decl), start, group)
            except Error as e:
                raise Error('%s:%d: %s' % (rel(path), start, e))
            if f.name in funcs:
                raise Error('%s:%d: %s documented twice' % (rel(path), start, f.name))
            funcs[f.name] = f
    try:
        ver = '%s.%s.%s' % (version['MAJOR'], version['MINOR'], version['PATCH'])
    except KeyError:
        raise Error('%s: no LIBCPRHOLD_VERSION_*' % rel(path))
    return funcs, ver


def parse_map(path):
    with open(path) as f:
        text = f.read()
    return sorted(set(re.findall(r'^\s*(cprhold_\w+);', text, re.M)))


# ---- pages ------------------------------------------------------------------

def example(page):
    """The EXAMPLES section's lines for man/examples/<page>.c."""
    path = os.path.join(HERE, 'examples', page + '.c')
    if not os.path.exists(path):
        raise Error('%s: no example %s' % (page, rel(path)))
    with open(path) as f:
        lines = f.read().rstrip('\n').split('\n')
    if lines and 'SPDX-License-Identifier' in lines[0]:
        lines.pop(0)
    intro = []
    if lines and lines[0].startswith('/*'):
        while lines:
            line = lines.pop(0)
            intro.append(re.sub(r'^\s*/?\*+/?\s?', '', line).rstrip())
            if '*/' in line:
                break
        intro = [re.sub(r'\s*\*/$', '', l) for l in intro]
        intro = [l for l in intro if l.strip()]
    while lines and not lines[0].strip():
        lines.pop(0)
    if any('\t' in l for l in lines):
        raise Error('%s: indent with spaces (four), not tabs' % rel(path))
    long = [l for l in lines if len(l) > EXAMPLE_WIDTH]
    if long:
        raise Error('%s: a line over %d columns: %r'
                    % (rel(path), EXAMPLE_WIDTH, long[0]))
    out = join_paras(render_text(intro)) + ['.PP'] if intro else []
    out += ['.\\" SRC BEGIN (%s.c)' % page, '.EX'] + code_lines(lines) + \
           ['.EE', '.nh', '.\\" SRC END']
    return out, '\n'.join(lines)


def synopsis(f):
    """.B/.BI lines of the prototype, wrapped after commas."""
    tokens = [[(f.rtype + ('' if f.rtype.endswith('*') else ' ') + f.name + '(',
                'B')]]
    for k, (typ, name, arr) in enumerate(f.args):
        end = ',' if k + 1 < len(f.args) else ');'
        tokens.append([(typ, 'B'), (name, 'I'), (arr + end, 'B')])
    if not f.args:
        tokens[0].append(('void);', 'B'))
    lines, cur, width = [], [], 0
    indent = len(tokens[0][0][0])
    for t in tokens:
        w = sum(len(s) for s, _ in t)
        if cur and width + 1 + w > SYNOPSIS_WIDTH:
            lines.append(cur)
            cur, width = [(' ' * indent, 'B')], indent
        elif cur and cur[-1][0].endswith(','):
            cur.append((' ', 'B'))
            width += 1
        cur += t
        width += w
    lines.append(cur)
    out = []
    for line in lines:
        merged = []
        for s, font in line:
            if merged and merged[-1][1] == font:
                merged[-1] = (merged[-1][0] + s, font)
            elif s:
                merged.append((s, font))
        if merged[0][1] != 'B':
            merged.insert(0, ('', 'B'))
        args = [esc(s, True) if re.fullmatch(r'[^\s"]+', s) else '"%s"' % esc(s, True)
                for s, _ in merged]
        out.append(('.BI ' if len(args) > 1 else '.B ') + ' '.join(args))
    return out


def see_also(f, code, funcs):
    text = ' '.join([f.purpose] + [t for _, t in f.params] + f.desc + [f.ret] +
                    [t for _, t in f.errors] + f.notes)
    refs = {(OVERVIEW, '3')}
    for name in re.findall(r'\b(cprhold_\w+)\(\)', text) + \
            re.findall(r'\b(cprhold_\w+)\(', code):
        if name in funcs and name != f.name:
            refs.add((name, '3'))
    for name, sect in re.findall(r'\b([A-Za-z][\w.+-]*)\(([1-8])\)', text):
        refs.add((name, sect))
    if f.args and f.args[0][1] in ('ctl', 'sfd'):
        refs.add(('cprhold', '4'))
    refs = sorted(refs, key=lambda r: (r[1], r[0]))
    return ['.BR %s (%s)%s' % (esc(n, True), s, ',' if k + 1 < len(refs) else '')
            for k, (n, s) in enumerate(refs)]


def preamble(page, sources):
    return ['.\\" SPDX-License-Identifier: ' + LICENSE,
            '.\\" Written by man/gen-man.py from'] + \
           ['.\\" ' + s + (' and' if k + 1 < len(sources) else ':')
            for k, s in enumerate(sources)] + \
           ['.\\" edit those, then run "make -C userspace/lib man".']


def th(title, date, version):
    return ['.TH %s 3 %s "libcprhold %s" "Library Functions Manual"'
            % (title.upper(), date, version), '.\\" identifiers must not be hyphenated',
            '.nh']


def func_page(f, funcs, date, version):
    ex, code = example(f.name)
    out = preamble(f.name, ['userspace/lib/include/libcprhold.h',
                            'man/examples/%s.c' % f.name])
    out += th(f.name, date, version)
    out += ['.SH NAME'] + wrap('%s \\- %s' % (esc(f.name, True), esc(f.purpose)))
    out += ['.SH LIBRARY', 'cprhold library', '.RI ( libcprhold ", " \\-lcprhold )',
            '.SH SYNOPSIS', '.nf', '.B #include <libcprhold.h>', '.PP']
    out += synopsis(f) + ['.fi', '.SH DESCRIPTION']
    paras = []
    if f.params:
        tp = []
        for name, text in f.params:
            tp += ['.TP', '.I ' + name] + sentences(sentence(text))
        paras.append(tp)
    paras += render_text(f.desc)
    if not paras:
        raise Error('%s: nothing to describe' % f.name)
    out += join_paras(paras)
    out += ['.SH RETURN VALUE']
    if f.rtype == 'void':
        out += sentences(f.name + '() returns nothing.')
    else:
        ret = re.sub(r'[:;,]$', '', f.ret.strip())
        out += sentences(f.name + '() returns ' + (ret if ret.endswith('.') else ret + '.'))
    out += ['.SH ERRORS']
    if f.errors:
        for name, text in f.errors:
            out += ['.TP', '.B \\-' + name] + sentences(sentence(text))
        for note in f.notes:
            out += ['.PP'] + sentences(sentence(note))
    else:
        out += ['No errors are defined.']
    out += ['.SH EXAMPLES'] + ex
    out += ['.SH SEE ALSO'] + see_also(f, code, funcs)
    return '\n'.join(out) + '\n'


def functions_part(funcs, names):
    """The overview's list of functions, by group in header order."""
    out, group = [], None
    for f in sorted((funcs[n] for n in names), key=lambda f: f.line):
        if f.group != group:
            group = f.group
            if not group:
                raise Error('%s: not under a "/* ---- group ---- */" line' % f.name)
            out.append('.SS ' + group[0].upper() + group[1:])
        out += ['.TP', '.BR %s (3)' % esc(f.name, True)] + wrap(esc(f.purpose))
    return out


def fill_parts(text, parts, path):
    """@text with each ".\\" BEGIN X" ... ".\\" END X" part replaced."""
    for name, lines in parts.items():
        m = re.search(r'^(\.\\" BEGIN %s\b[^\n]*\n)(.*?)(^\.\\" END %s\n)' % (name, name),
                      text, re.S | re.M)
        if not m:
            raise Error('%s: no .\\" BEGIN %s ... .\\" END %s' % (rel(path), name, name))
        text = text[:m.end(1)] + '\n'.join(lines) + '\n' + text[m.start(3):]
    return text


def overview(funcs, names, version):
    path = os.path.join(HERE, OVERVIEW + '.3')
    with open(path) as f:
        text = f.read()
    m = re.search(r'^\.TH (\S+) 3 (\S+) "libcprhold ([^"]*)"', text, re.M)
    if not m:
        raise Error('%s: no .TH line with "libcprhold VERSION"' % rel(path))
    if m.group(3) != version:
        raise Error('%s: .TH says libcprhold %s, the header %s'
                    % (rel(path), m.group(3), version))
    ex, _ = example(OVERVIEW)
    text = fill_parts(text, {'FUNCTIONS': functions_part(funcs, names),
                             'EXAMPLES': ex}, path)
    return m.group(2), text


def pages():
    """{path: content} of every page gen-man.py writes, and the functions."""
    funcs, version = parse_header(HEADER)
    names = parse_map(MAPFILE)
    missing = [n for n in names if n not in funcs]
    if missing:
        raise Error('in %s but without a kernel-doc comment in %s: %s'
                    % (rel(MAPFILE), rel(HEADER), ' '.join(missing)))
    extra = [n for n in funcs if n not in names]
    if extra:
        raise Error('documented in %s but not exported by %s: %s'
                    % (rel(HEADER), rel(MAPFILE), ' '.join(extra)))
    date, text = overview(funcs, names, version)
    out = {os.path.join(HERE, OVERVIEW + '.3'): text}
    for n in names:
        out[os.path.join(HERE, n + '.3')] = func_page(funcs[n], funcs, date, version)
    examples = {os.path.splitext(e)[0] for e in os.listdir(os.path.join(HERE, 'examples'))
                if e.endswith('.c')}
    stray = sorted(examples - set(names) - {OVERVIEW})
    if stray:
        raise Error('examples of no page: %s' % ' '.join('man/examples/%s.c' % s
                                                        for s in stray))
    return out, funcs, names


def strays(want):
    """Function pages in man/ that gen-man.py no longer writes."""
    return sorted(os.path.join(HERE, n) for n in os.listdir(HERE)
                  if n.startswith('cprhold_') and n.endswith('.3')
                  and os.path.join(HERE, n) not in want)


def synopsis_of(page):
    """The prototype a page's SYNOPSIS shows, as one normalised line."""
    m = re.search(r'^\.SH SYNOPSIS\n(.*?)^\.SH ', page, re.S | re.M)
    if not m:
        return None
    text = []
    for line in m.group(1).split('\n'):
        if re.match(r'\.(B|BI|I|IB|BR|RB|IR|RI) ', line) and '#include' not in line:
            text.append(''.join(roff_args(line.split(' ', 1)[1])))
    return normalise(' '.join(text))


def normalise(proto):
    proto = ' '.join(proto.split())
    return proto.replace('( ', '(').replace(' )', ')').replace(' ,', ',')


def check():
    try:
        want, funcs, names = pages()
    except Error as e:
        print('not ok - gen-man.py: %s' % e)
        return 1
    fail = 0
    missing = [p for p in want if not os.path.exists(p)]
    stale = []
    for path, text in want.items():
        if path in missing:
            continue
        with open(path) as f:
            have = f.read()
        if have != text:
            stale.append(path)
            for line in list(difflib.unified_diff(have.split('\n'), text.split('\n'),
                                                  rel(path), 'gen-man.py', lineterm=''))[:20]:
                print('# ' + line)
    stray = strays(want)
    if missing or stray:
        print('not ok - man pages missing: %s; of no exported function: %s'
              % (' '.join(rel(p) for p in missing) or '-',
                 ' '.join(rel(p) for p in stray) or '-'))
        fail = 1
    else:
        print('ok - a man page for each of the %d functions, each with an example'
              % len(names))
    if stale:
        print('not ok - man pages out of date with libcprhold.h or man/examples '
              '(make -C userspace/lib man): %s' % ' '.join(rel(p) for p in stale))
        fail = 1
    else:
        print('ok - man pages up to date with libcprhold.h and man/examples')
    bad = []
    for n in names:
        path = os.path.join(HERE, n + '.3')
        if path in missing:
            continue
        with open(path) as f:
            shown = synopsis_of(f.read())
        if shown != normalise(funcs[n].proto):
            bad.append('%s (%r, the header: %r)' % (n, shown, funcs[n].proto))
    if bad:
        print('not ok - SYNOPSIS differs from the header: %s' % '; '.join(bad))
        fail = 1
    else:
        print('ok - each page\'s SYNOPSIS is the header\'s prototype')
    return fail


def main():
    ap = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    ap.add_argument('--check', action='store_true',
                    help='write nothing, report (TAP) what is missing or stale')
    args = ap.parse_args()
    if args.check:
        return check()
    try:
        want, _, _ = pages()
    except Error as e:
        print('gen-man.py: %s' % e, file=sys.stderr)
        return 1
    for path, text in sorted(want.items()):
        old = None
        if os.path.exists(path):
            with open(path) as f:
                old = f.read()
        if old != text:
            with open(path, 'w') as f:
                f.write(text)
            print('  GEN     %s' % rel(path))
    for path in strays(want):
        print('gen-man.py: %s documents no exported function: remove it'
              % rel(path), file=sys.stderr)
        return 1
    return 0


if __name__ == '__main__':
    sys.exit(main())
