"""digest: draft, annotate and render a dated arXiv roundup newsletter."""


def __getattr__(name: str) -> str:
    # Looked up lazily: importlib.metadata costs start-up time on every command.
    if name == "__version__":
        from importlib.metadata import PackageNotFoundError, version

        try:
            return version("arxiv-digest")
        except PackageNotFoundError:  # a source tree that was never installed
            return "0+unknown"
    raise AttributeError(name)
