// Placeholder until the browser bundle lands (issue 5): the Node build is all that exists.
