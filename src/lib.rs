//! Root package of the workspace: it only hosts the cross-adapter `tests/` and the `examples/`.
