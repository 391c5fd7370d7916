// The demo page's own script: shows what the banner decided, using only the
// public window.assent API, the assent:* events and dataLayer.
function text(id, s) {
  var el = document.getElementById(id);
  if (el) el.textContent = s;
}

function showState(tries) {
  var a = window.assent;
  if (!a || !a.choices) return;
  var c = a.choices(), id = a.receipt();
  text("state", c ? JSON.stringify(c) : "undecided");
  var r = document.getElementById("receipt");
  r.textContent = id || (c ? "being recorded…" : "none");
  r.href = id ? "/api/v1/consents/" + id : "#";
  var gcm = (window.dataLayer || []).filter(function (x) { return x[0] === "consent"; }).pop();
  text("gcm", gcm ? gcm[1] + " " + JSON.stringify(gcm[2]) : "none");
  // The receipt id arrives once the server has stored the decision.
  if (c && !id && (tries || 0) < 20) setTimeout(function () { showState((tries || 0) + 1); }, 250);
}

document.addEventListener("assent:consent", function () { showState(0); });
document.addEventListener("assent:change", function () { showState(0); });
window.addEventListener("load", function () { showState(0); });
document.addEventListener("click", function (e) {
  if (e.target.id === "withdraw" && window.assent) window.assent.withdraw();
});
