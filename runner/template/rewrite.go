package template

import (
	"strings"

	"github.com/nikolalohinski/gonja/v2/config"
	"github.com/nikolalohinski/gonja/v2/nodes"
	"github.com/nikolalohinski/gonja/v2/tokens"
)

// Token rewriting before gonja's parser.
//
// gonja's parser gets two pieces of Jinja's expression grammar wrong and
// offers no hook to replace them: its ParseTest (reached from every
// comparison, inside statements parsed by gonja's own if/for parsers) reads
// the argument of "x is name(...)" as one tuple or literal, so keyword
// arguments ("is version('1.0', '<', strict=true)") and dotted test names
// ("is ansible.builtin.version(...)") do not parse; and its parenthesised,
// list, dict and call-argument expressions do not accept Jinja's conditional
// expression ("(a if b else c)", "f(x if y else z)").
//
// Two lexer slips are repaired first: gonja's lexer reads "is", "in", "and",
// "or" and "not" as names when a newline or a bracket follows them, and it
// puts a line break that directly precedes a token into that token.
//
// Rather than fork gonja, the lexer's tokens are rewritten into token
// sequences gonja already parses, and the evaluator maps the resulting nodes
// back:
//
//   - "is [not] a.b.name (" becomes "is [not] a.b.name <testArgsFunc> (": the
//     dotted name is one name token and the argument list is parsed by gonja
//     as an ordinary call (positional and keyword arguments) of the sentinel
//     testArgsFunc, which applyTest unpacks.
//   - inside (), [] and {}, an item "A if B else C" becomes
//     "<condFunc>(B, A, C)" ("<condFunc>(B, A)" without else), which call
//     evaluates lazily.
//
// The sentinel names contain characters the lexer never puts in a name, so
// no template can refer to them. Every original token keeps its position and
// the inserted ones take the position of the token they stand for, so syntax
// errors still point into the source as written.
const (
	testArgsFunc = "(test args)"
	condFunc     = "(if expression)"
)

// lexRewritten lexes src and returns a token stream with the rewrites above.
func lexRewritten(src string, cfg *config.Config) *tokens.Stream {
	l := tokens.NewLexer(src, cfg)
	go l.Run()
	var ts []*tokens.Token
	for t := range l.Tokens { // drained to the end, so the lexer goroutine ends
		if t.Type != tokens.Whitespace {
			ts = append(ts, t)
		}
	}
	ts = keywords(trimNewlines(ts, src))
	ts = rewriteTestCalls(ts)
	ts = rewriteConditionals(ts)
	return tokens.NewStream(ts)
}

// trimNewlines removes the line breaks gonja's lexer leaves at the start of a
// token that directly follows them ("x +\n1" gives a token "\n1"), moving
// the token's position to its first character. A string token's value (its
// text read as if the first line break were the opening quote) is repaired
// too, though literals are read from the source by position (stringLiteral).
func trimNewlines(ts []*tokens.Token, src string) []*tokens.Token {
	for i, t := range ts {
		val := t.Val
		switch t.Type {
		case tokens.Data, tokens.Comment, tokens.Linecomment, tokens.Error, tokens.EOF:
			continue
		case tokens.String:
			if t.Pos < 0 || t.Pos >= len(src) || (src[t.Pos] != '\n' && src[t.Pos] != '\r') {
				continue
			}
			val = src[t.Pos:]
		}
		v := strings.TrimLeft(val, "\r\n")
		if len(v) == len(val) || v == "" {
			continue
		}
		cp := *t
		cut := val[:len(val)-len(v)]
		cp.Val, cp.Pos = v, t.Pos+len(cut)
		if t.Type == tokens.String {
			cp.Val = strings.TrimLeft(t.Val, "\r\n")
			if cp.Val != "" {
				cp.Val = cp.Val[1:]
			}
		}
		if n := strings.Count(cut, "\n"); n > 0 {
			cp.Line, cp.Col = t.Line+n, 1
		}
		ts[i] = &cp
	}
	return ts
}

// keywords retypes the operator keywords gonja's lexer reads as names when
// a newline or a bracket follows them ("x is\n defined", "a in(b)"). After a
// dot they are names ("d.in" is an attribute in Jinja), and so is a test
// name after "is [not]" ("x is in(seq)").
func keywords(ts []*tokens.Token) []*tokens.Token {
	for i, t := range ts {
		typ := keywordType(t.Val)
		if typ == 0 || t.Type != tokens.Name && t.Type != typ {
			continue
		}
		if i > 0 && ts[i-1].Type == tokens.Dot || i > 0 && ts[i-1].Type == tokens.Is && typ != tokens.Not ||
			i > 1 && ts[i-1].Type == tokens.Not && ts[i-2].Type == tokens.Is {
			typ = tokens.Name // an attribute, or a test named "in"
		}
		if typ != t.Type {
			cp := *t
			cp.Type = typ
			ts[i] = &cp
		}
	}
	return ts
}

// keywordType is the token type of an operator keyword, 0 for other words.
func keywordType(word string) tokens.Type {
	switch word {
	case "is":
		return tokens.Is
	case "in":
		return tokens.In
	case "and":
		return tokens.And
	case "or":
		return tokens.Or
	case "not":
		return tokens.Not
	}
	return 0
}

// synth returns a new token of type typ and value val at at's position.
func synth(typ tokens.Type, val string, at *tokens.Token) *tokens.Token {
	return &tokens.Token{Type: typ, Val: val, Pos: at.Pos, Line: at.Line, Col: at.Col}
}

// rewriteTestCalls joins dotted test names and marks test argument lists.
func rewriteTestCalls(ts []*tokens.Token) []*tokens.Token {
	out := make([]*tokens.Token, 0, len(ts))
	for i := 0; i < len(ts); i++ {
		out = append(out, ts[i])
		if ts[i].Type != tokens.Is {
			continue
		}
		j := i + 1
		if j < len(ts) && ts[j].Type == tokens.Not {
			out = append(out, ts[j])
			j++
		}
		if j >= len(ts) || ts[j].Type != tokens.Name {
			i = j - 1
			continue
		}
		name := ts[j]
		for j+2 < len(ts) && ts[j+1].Type == tokens.Dot && ts[j+2].Type == tokens.Name {
			if name == ts[j] {
				cp := *name
				name = &cp
			}
			name.Val += "." + ts[j+2].Val
			j += 2
		}
		out = append(out, name)
		if j+1 < len(ts) && ts[j+1].Type == tokens.LeftParenthesis {
			out = append(out, synth(tokens.Name, testArgsFunc, ts[j+1]))
		}
		i = j
	}
	return out
}

// opens and closes report opening and closing brackets.
func opens(t tokens.Type) bool {
	return t == tokens.LeftParenthesis || t == tokens.LeftBracket || t == tokens.LeftBrace
}

func closes(t tokens.Type) bool {
	return t == tokens.RightParenthesis || t == tokens.RightBracket || t == tokens.RightBrace
}

// endsExpression reports tokens no bracket group spans.
func endsExpression(t tokens.Type) bool {
	switch t {
	case tokens.VariableEnd, tokens.BlockEnd, tokens.VariableBegin, tokens.BlockBegin,
		tokens.LinecontrolStructureEnd, tokens.EOF, tokens.Error, tokens.Data:
		return true
	}
	return false
}

// matching returns the index of the bracket closing the one at ts[open], or
// -1 when it is not closed within the expression.
func matching(ts []*tokens.Token, open int) int {
	depth := 0
	for i := open; i < len(ts); i++ {
		switch t := ts[i].Type; {
		case endsExpression(t):
			return -1
		case opens(t):
			depth++
		case closes(t):
			if depth--; depth == 0 {
				return i
			}
		}
	}
	return -1
}

// rewriteConditionals rewrites conditional expressions inside every bracket
// group of ts, innermost first.
func rewriteConditionals(ts []*tokens.Token) []*tokens.Token {
	out := make([]*tokens.Token, 0, len(ts))
	for i := 0; i < len(ts); i++ {
		t := ts[i]
		if !opens(t.Type) {
			out = append(out, t)
			continue
		}
		end := matching(ts, i)
		if end < 0 {
			out = append(out, t)
			continue
		}
		inner := rewriteConditionals(ts[i+1 : end])
		out = append(out, t)
		for k, item := range splitTop(inner, tokens.Comma) {
			if k > 0 {
				out = append(out, item.sep)
			}
			out = append(out, conditionalItem(item.toks, t.Type)...)
		}
		out = append(out, ts[end])
		i = end
	}
	return out
}

// part is a run of tokens and the separator token before it.
type part struct {
	sep  *tokens.Token
	toks []*tokens.Token
}

// splitTop splits ts at the separators of type sep outside brackets.
func splitTop(ts []*tokens.Token, sep tokens.Type) []part {
	parts := []part{{}}
	depth := 0
	for _, t := range ts {
		switch {
		case opens(t.Type):
			depth++
		case closes(t.Type):
			depth--
		case depth == 0 && t.Type == sep:
			parts = append(parts, part{sep: t})
			continue
		}
		parts[len(parts)-1].toks = append(parts[len(parts)-1].toks, t)
	}
	return parts
}

// conditionalItem rewrites one comma-separated item of a group opened by
// opener: "[key =|:] A if B [else C]" becomes "[key =|:] <condFunc>(B, A[, C])".
func conditionalItem(item []*tokens.Token, opener tokens.Type) []*tokens.Token {
	start := 0
	switch opener {
	case tokens.LeftParenthesis: // keyword argument
		if len(item) > 1 && item[0].Type == tokens.Name && item[1].Type == tokens.Assign {
			start = 2
		}
	case tokens.LeftBrace: // dict key
		kv := splitTop(item, tokens.Colon)
		if len(kv) == 2 {
			start = len(kv[0].toks) + 1
		}
	case tokens.LeftBracket: // a slice is left alone
		if len(splitTop(item, tokens.Colon)) > 1 {
			return item
		}
	}
	body := item[start:]
	ifAt, elseAt, depth := -1, -1, 0
	for k, t := range body {
		switch {
		case opens(t.Type):
			depth++
		case closes(t.Type):
			depth--
		case depth == 0 && t.Type == tokens.Name && t.Val == "if" && ifAt < 0:
			ifAt = k
		case depth == 0 && t.Type == tokens.Name && t.Val == "else" && ifAt >= 0 && elseAt < 0:
			elseAt = k
		}
	}
	if ifAt <= 0 || ifAt == len(body)-1 || elseAt == ifAt+1 || elseAt == len(body)-1 {
		return item // not a (complete) conditional: gonja reports the error
	}
	kw := body[ifAt]
	cond := body[ifAt+1:]
	if elseAt >= 0 {
		cond = body[ifAt+1 : elseAt]
	}
	out := append([]*tokens.Token{}, item[:start]...)
	out = append(out, synth(tokens.Name, condFunc, kw), synth(tokens.LeftParenthesis, "(", kw))
	out = append(out, cond...)
	out = append(out, synth(tokens.Comma, ",", kw))
	out = append(out, body[:ifAt]...)
	if elseAt >= 0 {
		out = append(out, synth(tokens.Comma, ",", body[elseAt]))
		out = append(out, conditionalItem(body[elseAt+1:], tokens.Initial)...)
	}
	return append(out, synth(tokens.RightParenthesis, ")", kw))
}

// isSentinelCall reports whether c is a call of the sentinel function name.
func isSentinelCall(c *nodes.Call, name string) bool {
	n, ok := c.Func.(*nodes.Name)
	return ok && n.Name != nil && n.Name.Val == name
}
