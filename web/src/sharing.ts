import { links } from './api.js';
import { formText } from './dom.js';

/**
 * The share dialog: the site's read-only links (name, password or not), a form to make one (its
 * address is shown once: only a digest of the token is kept) and Revoke.
 */
export function setUpShareDialog(
  dialog: HTMLDialogElement,
  site: () => string,
  error: (e: unknown) => void,
): () => void {
  const list = dialog.querySelector<HTMLElement>('ul')!;
  const form = dialog.querySelector<HTMLFormElement>('form')!;
  const made = dialog.querySelector<HTMLInputElement>('input[name=url]')!;
  const status = dialog.querySelector<HTMLElement>('.form-error')!;

  const load = async (): Promise<void> => {
    const all = await links.list(site());
    list.replaceChildren(
      ...all.map((link) => {
        const item = document.createElement('li');
        item.textContent = `${link.name}${link.has_password ? ' · password' : ''} · ${new Date(link.created_at).toLocaleDateString()}`;
        const revoke = document.createElement('button');
        revoke.type = 'button';
        revoke.className = 'link';
        revoke.textContent = 'Revoke';
        revoke.addEventListener('click', () => {
          links
            .remove(link.id)
            .then(() => load(), error)
            .catch(error);
        });
        item.append(' ', revoke);
        return item;
      }),
    );
    if (all.length === 0)
      list.append(
        Object.assign(document.createElement('li'), {
          className: 'empty',
          textContent: 'No shared links yet.',
        }),
      );
  };
  form.addEventListener('submit', (event) => {
    event.preventDefault();
    const password = formText(form, 'password');
    links
      .create({
        site_id: site(),
        name: formText(form, 'name') || 'Shared link',
        ...(password ? { password } : {}),
      })
      .then(
        async (link) => {
          made.value = `${location.origin}${link.url}`;
          made.closest('label')!.hidden = false;
          made.select();
          status.textContent = '';
          form.reset();
          await load();
        },
        (e: Error) => {
          status.textContent = e.message;
        },
      );
  });
  dialog.querySelector('[data-close]')!.addEventListener('click', () => dialog.close());
  return () => {
    made.closest('label')!.hidden = true;
    dialog.querySelector('h2')!.textContent = `Share ${site()} read-only`;
    dialog.showModal();
    load().catch(error);
  };
}
