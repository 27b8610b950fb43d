package main

import (
	"log/slog"
	"net/http"

	"taskapi/auth"
	"taskapi/httpapi"
	"taskapi/mcpserver"
	"taskapi/model"
)

// mcpMounts serves the Model Context Protocol beside GraphQL: /mcp, with the same store, verifier and rate limit,
// and its protected resource metadata, which names Better Auth as the authorization server when BETTER_AUTH_URL is
// set.
func mcpMounts(cfg Config, store *model.Store, verifier auth.TokenVerifier, logger *slog.Logger) []httpapi.Mount {
	mcpCfg := mcpserver.Config{
		Store:                store,
		Verifier:             verifier,
		OperationTimeout:     cfg.OperationTimeout,
		ExplainTokenRefusals: cfg.devMode(),
		Logger:               logger,
		Version:              buildVersion(),
	}
	if o, err := origin(cfg.BetterAuthURL); err == nil && o != "" {
		mcpCfg.AuthorizationServers = []string{o}
	}
	metadata := func(httpapi.Shared) http.Handler { return mcpserver.Metadata(mcpCfg) }
	return []httpapi.Mount{
		{Pattern: mcpserver.Path, New: func(s httpapi.Shared) http.Handler { return mcpserver.New(mcpCfg, s) }},
		{Pattern: "GET " + mcpserver.MetadataPath, New: metadata},
		{Pattern: "GET " + mcpserver.MetadataPath + mcpserver.Path, New: metadata},
	}
}
