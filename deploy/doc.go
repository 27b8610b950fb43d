// Package deploy holds no code: its tests validate the deployment files offline (the Helm chart in helm/taskapi
// with Helm's own packages, the manifests in kubernetes/ that it renders, every object against the Kubernetes API's
// Go types, compose.yaml against the Compose specification's schema, the Dockerfile with BuildKit's parser and
// linter) and check that their figures agree with the server's settings. TestImageRecipe runs what the Dockerfile
// describes without Docker: the binary built by the same script, started as the image's user in an empty root (it
// needs root for chroot; CI runs as root). It is a module of its own so that the validators' dependencies stay out
// of the server's.
package deploy
