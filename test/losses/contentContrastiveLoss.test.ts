import { contentContrastiveLoss } from '../../src';
import { describeBackends } from '../helpers/backends';
import { idLossProperties, idLossTests } from './ieContraAst';

describeBackends('contentContrastiveLoss', (backend) => {
  idLossProperties(backend, contentContrastiveLoss, 'contentIds');
  idLossTests(backend, contentContrastiveLoss, 'contentContrastiveLoss', 'contentIds');
});
