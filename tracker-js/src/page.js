// What a page view says about the page: its URL and first-touch campaign parameters.

const CAMPAIGN = 'utm_source utm_medium utm_campaign utm_term utm_content gclid fbclid msclkid li_fat_id'.split(' ');

/** Campaign parameters and click ids of a URL, or undefined when it has none. */
export function campaign(url) {
  let found;
  for (const [key, value] of new URL(url).searchParams) if (CAMPAIGN.includes(key)) (found ||= {})[key] = value.slice(0, 200);
  return found;
}

/** The URL the server sees: with the hash only when hash routing is on. */
export function pageUrl(href, hashRouting) {
  return hashRouting ? href : href.split('#')[0];
}
