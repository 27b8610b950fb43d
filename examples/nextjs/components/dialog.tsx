'use client';
// A modal dialog on the browser's own <dialog>: showModal() keeps the focus inside and the rest of the page inert,
// Escape closes it, and the focus goes back where it was when it closes. The first control
// marked data-autofocus gets the focus when it opens (the first control otherwise).
import { useEffect, useId, useRef, type ReactNode } from 'react';

export function Dialog({
  title,
  onClose,
  children,
  className = '',
}: {
  title: ReactNode;
  onClose: () => void;
  children: ReactNode;
  className?: string;
}) {
  const ref = useRef<HTMLDialogElement>(null);
  const headingId = useId();
  const close = useRef(onClose);
  close.current = onClose;

  useEffect(() => {
    const dialog = ref.current;
    if (!dialog) return;
    const opener = document.activeElement as HTMLElement | null;
    dialog.showModal();
    // showModal() focuses the first control; a dialog that names a better one (data-autofocus) gets that instead.
    dialog.querySelector<HTMLElement>('[data-autofocus]')?.focus();
    // Escape closes the <dialog> itself; its close event tells the owner, who stops rendering it. (A close event
    // queued by an earlier cleanup, as React's strict mode runs effects twice, finds the dialog open again: ignored.)
    const onClosed = () => {
      if (!dialog.open) close.current();
    };
    dialog.addEventListener('close', onClosed);
    return () => {
      dialog.removeEventListener('close', onClosed);
      dialog.close();
      if (opener?.isConnected) opener.focus();
    };
  }, []);

  return (
    <dialog
      ref={ref}
      aria-labelledby={headingId}
      className={`m-auto w-[calc(100%-2rem)] max-w-lg rounded-lg border border-zinc-200 bg-white p-0 text-zinc-900 shadow-xl backdrop:bg-black/40 dark:border-zinc-800 dark:bg-zinc-900 dark:text-zinc-100 ${className}`}
    >
      <div className="flex flex-col gap-4 p-4 sm:p-6">
        <div className="flex items-start justify-between gap-3">
          <h2 id={headingId} className="text-xl font-semibold break-words">
            {title}
          </h2>
          <button type="button" className="btn shrink-0" onClick={() => close.current()} title="Close (Escape)">
            Close
          </button>
        </div>
        {children}
      </div>
    </dialog>
  );
}

/** A question with two answers: Cancel, and the action (a danger button). Errors show above the buttons. */
export function ConfirmDialog({
  title,
  children,
  action,
  busy,
  error,
  onConfirm,
  onClose,
}: {
  title: string;
  children: ReactNode;
  action: string;
  busy: boolean;
  error: string | null;
  onConfirm: () => void;
  onClose: () => void;
}) {
  const errorId = useId();
  return (
    <Dialog title={title} onClose={onClose}>
      <div className="text-sm text-zinc-700 dark:text-zinc-300">{children}</div>
      {error && (
        <p id={errorId} role="alert" className="field-error">
          {error}
        </p>
      )}
      <div className="flex justify-end gap-2">
        <button type="button" className="btn" onClick={onClose} data-autofocus>
          Cancel
        </button>
        <button
          type="button"
          className="btn btn-danger"
          onClick={onConfirm}
          disabled={busy}
          aria-describedby={error ? errorId : undefined}
        >
          {action}
        </button>
      </div>
    </Dialog>
  );
}
