"""The provider register: CQC import, provider pages and provider search."""
