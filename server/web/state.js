// The page's shared state: the vocabulary the form was built from, the form's controls, and a case
// file that is sent as it is. Several sections read it (results, history, error places).
// Not here: anything that draws or fetches.

export const state = {
  vocabulary: null,
  facts: new Map(), // name -> fact declaration
  outcomes: new Map(), // name -> outcome declaration
  controls: new Map(), // name -> control {read, write, reset, focus, container}
  file: null, // a case file sent as is: {name, text, type}
  lastResult: null,
  timelineLoaded: false,
};
