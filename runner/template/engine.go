// Package template renders Jinja2-compatible templates and conditionals with
// ansible-core 2.14's semantics, filters, tests and lookups.
//
// Parsing uses gonja v2's lexer and parser (github.com/nikolalohinski/gonja/v2);
// evaluation is done here because gonja's evaluator has no Undefined, no lazy
// variables and no Python value semantics.
//
// # Typing (ansible_eval_concat, jinja2_native=False)
//
// Render follows Templar.template(convert_data=True) of ansible-core 2.14:
//   - a string without "{{", "{%" or "{#" is returned as is;
//   - "{{ name }}" alone, where name is a scope variable holding a bool or a
//     number, returns that value; holding None, returns nil;
//   - otherwise the template is rendered to text (Python's str(): lists and
//     dicts as repr, None from an expression as ""), and text starting with
//     "[" or "{", or equal to "True"/"False", is parsed as a Python literal
//     (true/false/null accepted) and returned as []any, map[string]any or
//     bool when that succeeds. So "{{ 1 + 1 }}" is the string "2", and
//     "{{ [1, 2] }}" is []any{1, 2}. Results of the filters string, to_json,
//     to_nice_json, to_yaml, to_nice_yaml stay text;
//   - trailing newlines of the source are kept.
//
// RenderString and RenderText do not convert (ansible_concat); RenderText
// also keeps backslashes in {{ }} string literals as escapes (the template
// module's escape_backslashes=False), while playbook strings read them literally.
//
// Variables come from a Scope; template strings inside them are rendered on
// first use within a call (a cycle fails with "recursive loop detected in
// template string: NAME"), and a variable whose rendering hits an undefined
// name becomes undefined itself, so "is defined" and default() see through it,
// as AnsibleJ2Vars does.
//
// # Deviations
//
// Go maps do not keep YAML order: dicts are iterated, printed and serialised
// in sorted key order. Not supported: password_hash (needs crypt), ipaddr
// (needs netaddr), {% include %}, {% import %}, {% extends %}, {% with %},
// {% filter %}, {% call %}, recursive loops, #jinja2: override headers, sets
// in literals, keyword arguments to tests (gonja cannot parse them: pass
// them positionally, e.g. version('1.2', '>=', true)), implicit string
// literal concatenation ('a' 'b'). type_debug says "str" where Ansible says
// "AnsibleUnicode" for strings read from YAML. random and shuffle with a seed
// are deterministic but do not reproduce Python's sequence. to_yaml does not
// fold lines longer than 80 columns; from_yaml parses YAML 1.2 (yes/no stay
// strings). Regular expressions use RE2 (no lookaround, no backreferences in
// patterns). A plain string given to Render is returned as is (boxing it in
// an interface may allocate; RenderString does not).
package template

import (
	"context"
	"fmt"
	"regexp"
	"strings"

	"github.com/nikolalohinski/gonja/v2/nodes"
)

// Scope gives variables lazily. Values may be raw strings holding templates;
// the engine renders them on access (recursively, in the same scope).
// Map-like values may implement Mapping so that huge structures such as
// hostvars are not materialised.
type Scope interface {
	Lookup(name string) (any, bool)
}

// Mapping is a lazy dict value; string values read through it are rendered
// on access.
type Mapping interface {
	Get(key string) (any, bool)
	Keys() []string
}

// Options configure an Engine.
type Options struct {
	// Find locates controller files for lookups/template: subdir is "files"
	// or "templates"; absolute names as-is.
	Find func(subdir, name string) (string, error)
	// Warn receives warnings (e.g. conditional contains {{ }}).
	Warn func(msg string)
}

// Engine renders templates. It is safe for concurrent use and caches parsed templates.
type Engine struct {
	opts    Options
	cache   cache
	filters map[string]filter
	tests   map[string]test
	lookups map[string]lookupFunc
	globals map[string]any
}

// New returns an Engine.
func New(opts Options) *Engine {
	if opts.Warn == nil {
		opts.Warn = func(string) {}
	}
	e := &Engine{opts: opts, cache: cache{max: 4096, items: map[cacheKey]*compiled{}}}
	e.filters = builtinFilters()
	e.tests = builtinTests()
	e.lookups = builtinLookups()
	e.globals = builtinGlobals()
	return e
}

// IsTemplate reports whether s contains "{{", "{%" or "{#".
func IsTemplate(s string) bool {
	for i := 0; i+1 < len(s); i++ {
		if s[i] == '{' {
			switch s[i+1] {
			case '{', '%', '#':
				return true
			}
		}
	}
	return false
}

func (e *Engine) compile(src string, escape bool) (*compiled, error) {
	k := cacheKey{src: src, escape: escape}
	if c, ok := e.cache.get(k); ok {
		return c, nil
	}
	c, err := parse(src, escape)
	if err != nil {
		return nil, err
	}
	e.cache.put(k, c)
	return c, nil
}

// Render renders a playbook string with Ansible's default typing (see the package doc).
func (e *Engine) Render(ctx context.Context, src string, s Scope) (any, error) {
	if !IsTemplate(src) {
		return src, nil
	}
	return e.newState(ctx, s).template(src)
}

// RenderString renders src to text without converting the result to data.
func (e *Engine) RenderString(ctx context.Context, src string, s Scope) (string, error) {
	if !IsTemplate(src) {
		return src, nil
	}
	c, err := e.compile(src, true)
	if err != nil {
		return "", err
	}
	v, err := e.newState(ctx, s).exec(c, false)
	if err != nil {
		return "", err
	}
	return v.(string), nil
}

// RenderValue renders every string inside v (maps and lists deeply) with Render's semantics.
func (e *Engine) RenderValue(ctx context.Context, v any, s Scope) (any, error) {
	return e.newState(ctx, s).renderValue(v)
}

// RenderText renders a whole template file as the template module does:
// text result, escapes in string literals processed, trailing newlines kept.
func (e *Engine) RenderText(ctx context.Context, src string, s Scope) (string, error) {
	if !IsTemplate(src) {
		return src, nil
	}
	c, err := e.compile(src, false)
	if err != nil {
		return "", err
	}
	v, err := e.newState(ctx, s).exec(c, false)
	if err != nil {
		return "", err
	}
	return v.(string), nil
}

// Eval evaluates a bare Jinja2 expression and returns its native value.
func (e *Engine) Eval(ctx context.Context, expr string, s Scope) (any, error) {
	c, err := e.compile("{{ "+expr+" }}", false)
	if err != nil {
		return nil, err
	}
	st := e.newState(ctx, s)
	r := &run{st: st, tpl: c, vars: newFrame(nil)}
	if len(c.root.Nodes) != 1 {
		return nil, &SyntaxError{Msg: "not a single expression", Source: expr}
	}
	var v any
	if o, ok := c.root.Nodes[0].(*nodes.Output); ok && o.Condition != nil {
		v, err = r.condExpr(o.Expression, o.Condition, o.Alternative)
	} else {
		v, err = r.eval(outputExpr(c))
	}
	if err != nil {
		return nil, err
	}
	if err := checkDefined(v); err != nil {
		return nil, err
	}
	return v, nil
}

// Check parses src and reports syntax errors without rendering.
func (e *Engine) Check(src string) error {
	if !IsTemplate(src) {
		return nil
	}
	_, err := e.compile(src, true)
	return err
}

// definedRE is Conditional's DEFINED_REGEX.
var definedRE = regexp.MustCompile(`(hostvars\[.+\]|[\w_]+)\s+(not\s+is|is|is\s+not)\s+(defined|undefined)`)
var undefinedNameRE = regexp.MustCompile(`'(hostvars\[.+\]|[\w_]+)' is undefined`)

// Truth evaluates a conditional as Conditional._check_conditional of
// ansible-core 2.14 does (when, failed_when, changed_when, assert's that).
func (e *Engine) Truth(ctx context.Context, expr string, s Scope) (bool, error) {
	if expr == "" {
		return true, nil
	}
	original := expr
	if IsTemplate(expr) {
		e.opts.Warn(fmt.Sprintf("conditional statements should not include jinja2 templating delimiters such as {{ }} or {%% %%}. Found: %s", expr))
	}
	res, err := e.truth(ctx, expr, s)
	if err == nil {
		return res, nil
	}
	if ue := asUndefined(err); ue != nil {
		if m := undefinedNameRE.FindStringSubmatch(ue.Error()); m != nil {
			varName := strings.ReplaceAll(m[1], "'", `"`)
			rest := expr
			for {
				loc := definedRE.FindStringSubmatchIndex(rest)
				if loc == nil {
					break
				}
				duVar, logic, state := rest[loc[2]:loc[3]], rest[loc[4]:loc[5]], rest[loc[6]:loc[7]]
				if strings.ReplaceAll(duVar, "'", `"`) == varName {
					shouldExist := strings.Contains(logic, "not") != (state == "defined")
					return !shouldExist, nil
				}
				rest = rest[loc[1]:]
			}
		}
		return false, &UndefinedError{Name: ue.Name, msg: fmt.Sprintf("error while evaluating conditional (%s): %s", original, ue.Error())}
	}
	return false, fmt.Errorf("the conditional check '%s' failed. The error was: %w", original, err)
}

func (e *Engine) truth(ctx context.Context, expr string, s Scope) (bool, error) {
	st := e.newState(ctx, s)
	v, err := st.template(expr)
	if err != nil {
		return false, err
	}
	cond, ok := v.(string)
	if !ok {
		return truth(v)
	}
	if cond == "" {
		return false, nil
	}
	c, err := e.compile("{% if "+cond+" %} True {% else %} False {% endif %}", true)
	if err != nil {
		return false, fmt.Errorf("Invalid conditional detected: %w", err)
	}
	out, err := st.exec(c, true)
	if err != nil {
		return false, err
	}
	switch strings.TrimSpace(pyStr(out)) {
	case "True":
		return true, nil
	case "False":
		return false, nil
	}
	return false, fmt.Errorf("unable to evaluate conditional: %s", expr)
}
