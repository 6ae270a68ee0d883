"""Electronic care monitoring (ECM): visit-log imports and the measures read from them."""
