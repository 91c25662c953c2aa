// A sign-in link is /signin#TOKEN: the fragment never leaves the browser in a request line,
// so the token stays out of access logs. Post it once, then forget it.
document.addEventListener("DOMContentLoaded", function () {
  var token = window.location.hash.slice(1);
  if (!token) { return; }
  history.replaceState(null, "", window.location.pathname);
  var form = document.getElementById("signin");
  document.getElementById("token").value = decodeURIComponent(token);
  form.submit();
});
