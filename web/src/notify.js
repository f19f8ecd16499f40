// Tells a salesperson of an alert assigned to them: a browser notification (when allowed) and, when
// switched on, a short tone made with Web Audio (no sound file to load).
export function notifyAssigned(alert, withSound) {
  if ('Notification' in window && Notification.permission === 'granted') {
    try {
      new Notification(`${alert.company.name} is ${alert.temperature}`, {
        body: `${alert.rule}, score ${alert.score}`,
        tag: alert.id,
      });
    } catch { /* some browsers allow notifications only from a service worker */ }
  }
  if (withSound) beep();
}

let audio;
function beep() {
  try {
    audio ??= new AudioContext();
    const oscillator = audio.createOscillator();
    const gain = audio.createGain();
    oscillator.frequency.value = 880;
    gain.gain.setValueAtTime(0.15, audio.currentTime);
    gain.gain.exponentialRampToValueAtTime(0.001, audio.currentTime + 0.4);
    oscillator.connect(gain).connect(audio.destination);
    oscillator.start();
    oscillator.stop(audio.currentTime + 0.4);
  } catch { /* no audio: the notification is enough */ }
}
