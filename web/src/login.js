// The sign-in page: posts JSON so that a wrong password or a throttle shows here, without a reload.
const form = document.getElementById('login-form');
const error = document.getElementById('login-error');
const params = new URLSearchParams(location.search);
const returnUrl = params.get('returnUrl');
const safeReturn = returnUrl && returnUrl.startsWith('/') && !returnUrl.startsWith('//') && !returnUrl.startsWith('/\\') ? returnUrl : '/';
document.getElementById('returnUrl').value = safeReturn;

function show(message) {
  error.textContent = message;
  error.hidden = false;
}

if (params.get('error')) show('Wrong user name or password.');

form.addEventListener('submit', async (event) => {
  event.preventDefault();
  error.hidden = true;
  const button = form.querySelector('button');
  button.disabled = true;
  try {
    const response = await fetch('/login', {
      method: 'POST',
      headers: { 'Content-Type': 'application/json', 'X-VG-Request': '1' },
      credentials: 'same-origin',
      body: JSON.stringify({ user: form.user.value, password: form.password.value }),
    });
    if (response.ok) {
      location.assign(safeReturn);
      return;
    }
    if (response.status === 429) {
      const wait = Number(response.headers.get('Retry-After')) || 60;
      show(`Too many failed sign-ins. Try again in ${Math.ceil(wait / 60)} minute(s).`);
    } else {
      show('Wrong user name or password.');
    }
    form.password.select();
  } catch {
    show('Could not reach the server. Try again.');
  } finally {
    button.disabled = false;
  }
});
