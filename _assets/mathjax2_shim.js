/* The ipywidgets HTML manager 1.x typesets widget labels with MathJax 2's
 * MathJax.Hub.Queue(["Typeset", MathJax.Hub, element]); the book serves
 * MathJax 3, which has no Hub. Map that one call onto MathJax 3. Loaded
 * deferred, right after MathJax, so that window.MathJax is MathJax 3 here. */
(function () {
  var mj = window.MathJax;
  if (!mj || mj.Hub) { return; }
  mj.Hub = {
    Queue: function (job) {
      var element = job && job[2];
      if (element && mj.startup && mj.startup.promise) {
        mj.startup.promise.then(function () { return mj.typesetPromise([element]); });
      }
    },
  };
})();
