"""The rules of PRODUCT.md: plain functions over the store, knowing nothing of HTTP."""
