# Hand-written: the fleet's own packages.
_final: prev: {
  hello-fleet = prev.hello;
}
