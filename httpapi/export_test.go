package httpapi

import "github.com/99designs/gqlgen/graphql"

// WithExtensions returns opts with exts added to the executor that every transport runs, after its own extensions.
func WithExtensions(opts Options, exts ...graphql.HandlerExtension) Options {
	opts.extensions = append(opts.extensions, exts...)
	return opts
}
