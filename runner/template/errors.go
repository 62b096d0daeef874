package template

import (
	"errors"

	"github.com/nikolalohinski/gonja/v2/nodes"
)

func asUndefined(err error) *UndefinedError {
	var ue *UndefinedError
	if errors.As(err, &ue) {
		return ue
	}
	return nil
}

func outputExpr(c *compiled) nodes.Expression {
	if o, ok := c.root.Nodes[0].(*nodes.Output); ok {
		return o.Expression
	}
	return &nodes.Error{Location: c.root.Nodes[0].Position(), Error: errors.New("not an expression")}
}
