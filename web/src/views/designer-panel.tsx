// The designer's side panel (#16): the selected step's fields, in a form generated from its kind's
// schema (the server's own, web/src/designer/forms.ts), defaults shown and the YAML line beside each
// field; each change goes back to the text as one edit. Loaded lazily: it brings zod along.
import { useEffect, useState } from 'react';
import { readStep, type GraphModel } from '../designer';
import { durationText, fieldsOf, type FieldSpec } from '../designer/forms';

export default function StepPanel({
  model,
  stepKey,
  readOnly,
  marks,
  onSet,
}: {
  model: GraphModel;
  stepKey: string;
  readOnly: boolean;
  marks?: string[];
  onSet: (field: string, value: unknown) => void;
}) {
  const s = readStep(model, stepKey);
  const node = model.byKey.get(stepKey);
  const fields = s.kind ? fieldsOf(s.kind, typeof s.body.action === 'string' ? s.body.action : undefined) : [];
  return (
    <form className="card dz-panel" aria-label={`Step ${s.id ?? stepKey}`} onSubmit={(e) => e.preventDefault()}>
      <h2>
        {s.kind ?? 'step'} <span className="muted">line {node?.line}</span>
      </h2>
      {marks ? (
        <ul className="dz-marks" data-testid="dz-step-problems">
          {marks.map((m) => (
            <li key={m}>{m}</li>
          ))}
        </ul>
      ) : null}
      <Field
        label="id"
        type="string"
        value={s.id}
        readOnly={readOnly}
        onCommit={(v) => v !== undefined && onSet('id', v)}
      />
      <Field label="name" type="string" value={s.name} readOnly={readOnly} onCommit={(v) => onSet('name', v)} />
      {fields
        .filter((f) => f.type !== 'steps')
        .map((f) => (
          <Field
            key={f.name}
            label={f.name}
            spec={f}
            type={f.type}
            value={s.body[f.name]}
            line={s.at[f.name]?.line}
            readOnly={readOnly}
            onCommit={(v) => onSet(`${s.kind}.${f.name}`, v)}
          />
        ))}
    </form>
  );
}

const show = (v: unknown) => (v === undefined || v === null ? '' : typeof v === 'string' ? v : JSON.stringify(v));

function Field({
  label,
  spec,
  type,
  value,
  line,
  readOnly,
  onCommit,
}: {
  label: string;
  spec?: FieldSpec;
  type: FieldSpec['type'];
  value: unknown;
  line?: number;
  readOnly: boolean;
  onCommit: (v: unknown) => void;
}) {
  const [draft, setDraft] = useState(show(value));
  const [error, setError] = useState<string | undefined>();
  useEffect(() => setDraft(show(value)), [value]);
  const id = `dz-f-${label}`;
  const commit = (raw: string) => {
    if (raw === show(value)) return;
    if (raw === '') {
      setError(undefined);
      onCommit(undefined);
      return;
    }
    let v: unknown = raw;
    if (type === 'number' || type === 'integer') {
      v = Number(raw);
      if (!Number.isFinite(v as number)) return setError(`${label} is a number, e.g. ${String(spec?.default ?? 3)}`);
    } else if (type === 'boolean') v = raw === 'true';
    else if (type === 'array' || type === 'object' || type === 'any') {
      try {
        v = JSON.parse(raw);
      } catch {
        if (type === 'array' && spec?.items === 'string') v = raw.split(',').map((x) => x.trim());
        else if (type === 'any') v = raw;
        else return setError(`${label} is ${type === 'array' ? 'a list, e.g. ["a", "b"]' : 'a map, e.g. {"k": "v"}'}`);
      }
    }
    setError(undefined);
    onCommit(v);
  };
  const shown =
    spec?.default === undefined
      ? undefined
      : type === 'duration' && typeof spec.default === 'number'
        ? durationText(spec.default)
        : show(spec.default);
  const placeholder = shown !== undefined && shown !== '' ? `default: ${shown}` : spec?.required ? 'required' : '';
  const desc = spec?.description;
  return (
    <div className="dz-field">
      <label htmlFor={id}>
        {label}
        {spec?.required ? ' *' : ''}
        {line ? <span className="muted dz-line"> line {line}</span> : null}
      </label>
      {spec?.options || type === 'boolean' ? (
        <select
          id={id}
          value={draft}
          disabled={readOnly}
          onChange={(e) => {
            setDraft(e.target.value);
            commit(e.target.value);
          }}
        >
          <option value="">{placeholder || '—'}</option>
          {(spec?.options ?? ['true', 'false']).map((o) => (
            <option key={o} value={o}>
              {o}
            </option>
          ))}
        </select>
      ) : (
        <input
          id={id}
          value={draft}
          readOnly={readOnly}
          placeholder={placeholder}
          title={desc}
          inputMode={type === 'number' || type === 'integer' ? 'decimal' : undefined}
          onChange={(e) => setDraft(e.target.value)}
          onBlur={(e) => commit(e.target.value)}
          onKeyDown={(e) => {
            if (e.key === 'Enter') {
              e.preventDefault();
              commit((e.target as HTMLInputElement).value);
            }
          }}
          aria-invalid={error ? true : undefined}
          aria-describedby={error ? `${id}-err` : undefined}
        />
      )}
      {error ? (
        <span className="field-error" id={`${id}-err`} role="alert">
          {error}
        </span>
      ) : null}
    </div>
  );
}
