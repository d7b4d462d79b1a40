"""The pipeline and the `lecture` command."""
