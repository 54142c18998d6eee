# The Model page's tests.
