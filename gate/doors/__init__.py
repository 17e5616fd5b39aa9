"""The ways in: the CLI, the GitHub Action and the container image, each a parser over one runtime."""
