/** Float64 reference of featstats.contrastiveDistillation, from its three definitions. */
import { infoNCEReference } from './infoNCE';
import { ntXentReference } from './ntXent';

export function contrastiveDistillationReference(
  student: ArrayLike<number>,
  teacher: ArrayLike<number>,
  n: number,
  mode: 'ntxent' | 'clip' | 'mse',
  temperature: number,
): number {
  if (mode === 'mse') {
    let total = 0;
    for (let i = 0; i < student.length; i++) total += ((student[i] as number) - (teacher[i] as number)) ** 2;
    return total / student.length;
  }
  const options = { temperature, normalize: true, reduction: 'mean' as const };
  const loss = mode === 'ntxent' ? ntXentReference(student, teacher, n, options) : infoNCEReference(student, teacher, undefined, n, 0, { ...options, symmetric: true });
  return loss[0] as number;
}
